from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "实施情况报告与督导"

    def ready(self):
        # Register the figures and dashboard panels whose data live in apps already present.
        from . import panels, providers  # noqa: F401
