from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "approvals"
    verbose_name = "Decisions and publication"

    def ready(self):
        from approvals import checks  # noqa: F401  (registers the deployment checks)
        from approvals.accounts import signals

        signals.connect()
