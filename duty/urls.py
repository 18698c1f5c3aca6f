"""Learner-area URLs (/me/incidents/…): any teacher reports an incident of their school."""

from django.urls import path

from . import views

app_name = "duty"

urlpatterns = [
    path("me/incidents/", views.my_incidents, name="my_incidents"),
    path("me/incidents/new/", views.my_incident_new, name="my_incident_new"),
]
