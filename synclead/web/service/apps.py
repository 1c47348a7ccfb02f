from django.apps import AppConfig


class ServiceConfig(AppConfig):
    """Runs the service: the `serve`, `demo`, `org`, `call` and `bench` commands."""

    name = "synclead.web.service"
    label = "service"
