from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "synclead.web.organizations"
    label = "organizations"
