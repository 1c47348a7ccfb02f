from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "synclead.web.calls"
    label = "calls"
