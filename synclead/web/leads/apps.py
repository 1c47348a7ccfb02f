from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "synclead.web.leads"
    label = "leads"
