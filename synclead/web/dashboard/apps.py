from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "synclead.web.dashboard"
    label = "dashboard"

    def ready(self) -> None:
        # Connects the login signal that restores each user's language.
        from . import language  # noqa: F401
