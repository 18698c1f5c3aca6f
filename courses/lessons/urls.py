"""Learner-area URLs for lessons taught, included under /me/lessons/."""

from django.urls import path

from . import views

app_name = "lessons"

urlpatterns = [
    path("", views.my_lessons, name="mine"),
    path("new/", views.my_lesson_new, name="new"),
]
