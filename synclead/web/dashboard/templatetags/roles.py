"""What a dashboard user's roles let the templates show."""

from __future__ import annotations

from django import template

from synclead.web.audit.models import is_owner

register = template.Library()


@register.filter
def owns_an_organization(user) -> bool:
    """An owner of at least one organization (or a superuser): the audit log and the members' controls are theirs."""
    return is_owner(user)
