from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账户"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_device_mark, dispatch_uid="accounts.device_mark")


def _device_mark(sender, request, user, **kwargs):
    if request is not None:
        from .services import device_mark

        device_mark(request=request, username=user.get_username())
