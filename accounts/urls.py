from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views
from .forms import LoginForm
from .tokens import first_login_tokens

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "me/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "me/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetRequestView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("me/", views.me, name="me"),
    # First login of an imported account: the link sets the password (then it is spent).
    path(
        "first-login/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/first_login.html",
            success_url=reverse_lazy("accounts:first_login_done"),
            token_generator=first_login_tokens,
        ),
        name="first_login",
    ),
    path(
        "first-login/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/first_login_done.html"
        ),
        name="first_login_done",
    ),
    path("me/notifications/", views.notifications, name="notifications"),
    path("me/notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("me/notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
