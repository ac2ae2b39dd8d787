from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "approvals"
    verbose_name = "Decisions and publication"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from approvals import checks  # noqa: F401  (registers the deployment checks)
        from approvals.accounts import signals
        from approvals.accounts.sessions import note_sign_in

        signals.connect()
        user_logged_in.connect(note_sign_in, dispatch_uid="approvals.note_sign_in")
