from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"
    label = "search"
    verbose_name = "站内搜索"

    def ready(self):
        from . import signals

        signals.connect()
