"""Writing the audit log: one call per thing done to callers' data."""

from __future__ import annotations

import getpass
import os

from django.http import HttpRequest

from synclead.web.audit.addresses import client_ip
from synclead.web.audit.models import Action, AuditEvent
from synclead.web.organizations.models import Organization


def record_request(
    request: HttpRequest, action: Action, organization: Organization, target: str = "", detail: str = ""
) -> AuditEvent:
    """Something a dashboard user did, from where."""
    user = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        organization=organization,
        user=user,
        actor=user.get_username() if user else "anonymous",
        action=action,
        target=target,
        detail=detail,
        ip=client_ip(request),
    )


def record(
    actor: str, action: Action, organization: Organization | None, target: str = "", detail: str = ""
) -> AuditEvent:
    """Something a command or the service itself did."""
    return AuditEvent.objects.create(
        organization=organization, actor=actor, action=action, target=target, detail=detail
    )


def cli_actor() -> str:
    """`cli:<os user>`: who ran a management command on the server."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # a container's uid without a passwd entry
        name = f"uid {os.getuid()}"
    return f"cli:{name}"


def masked_phone(phone: str) -> str:
    """`+33612345678` as `+336•••••678`: enough to recognise a request, not enough to call the person back."""
    if len(phone) <= 7:
        return "•" * len(phone)
    return phone[:4] + "•" * (len(phone) - 7) + phone[-3:]
