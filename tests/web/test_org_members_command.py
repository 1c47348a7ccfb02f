"""`synclead org` for what the settings and members pages do: every setting of the page can be set from the command
line too, a change is audited, and members get roles with the same last-owner rule."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from synclead.web.audit.events import cli_actor
from synclead.web.audit.models import Action, AuditEvent
from synclead.web.dashboard.settings_forms import editable_fields
from synclead.web.organizations.configure import SETTINGS_BY_FIELD
from synclead.web.organizations.models import Membership, Organization, Role

pytestmark = pytest.mark.django_db


def org_command(*args: str) -> str:
    out = io.StringIO()
    call_command("org", *args, stdout=out)
    return out.getvalue()


def test_every_setting_of_the_page_is_an_option_of_org_set() -> None:
    assert [field for field in editable_fields() if field not in SETTINGS_BY_FIELD] == []
    # And the opening hours, which the page shows one day at a time.
    assert "business_hours" in SETTINGS_BY_FIELD


def test_org_set_is_written_to_the_audit_log(org_a: Organization) -> None:
    org_command("set", org_a.slug, "--retention-days", "30", "--notify-email", "off")
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert (event.actor, event.organization, event.detail) == (
        cli_actor(),
        org_a,
        "changed notify_email, retention_days",
    )


def test_org_role_adds_promotes_lists_and_keeps_an_owner(org_a: Organization, user_a, django_user_model) -> None:
    assert org_command("role", org_a.slug, "alice", "owner") == "alice is now owner of agence-lumiere\n"
    django_user_model.objects.create_user("paul", "paul@example.com")
    assert org_command("role", org_a.slug, "paul", "advisor") == "paul is advisor of agence-lumiere\n"
    assert org_command("members", org_a.slug).splitlines() == [
        "alice\towner\talice@lumiere.example",
        "paul\tadvisor\tpaul@example.com",
    ]
    with pytest.raises(CommandError, match="alice is the last owner of Agence Lumière") as refused:
        org_command("role", org_a.slug, "alice", "advisor")
    assert refused.value.returncode == 2
    assert Membership.objects.get(user=user_a).role == Role.OWNER
    with pytest.raises(CommandError, match="'nobody': no such user"):
        org_command("role", org_a.slug, "nobody", "owner")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "target", "detail"))
    assert actions == [(Action.ROLE_CHANGED, "alice", "now owner"), (Action.JOINED, "paul", "as advisor")]
