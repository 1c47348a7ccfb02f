from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "synclead.web.audit"
    label = "audit"
    verbose_name = "Audit log"
