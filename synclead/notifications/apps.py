from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "synclead.notifications"
    label = "notifications"
    verbose_name = "Notifications"
