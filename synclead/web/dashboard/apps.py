from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "synclead.web.dashboard"
    label = "dashboard"
