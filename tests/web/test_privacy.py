"""Retention and erasure: what goes, what stays, and that nobody else's data is touched."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from synclead.config import get_settings
from synclead.web.calls.models import Call, Utterance
from synclead.web.calls.privacy import InvalidPhone, erase_caller, purge_expired
from synclead.web.leads.models import Contact, Lead

CAMILLE = "+33612345678"
OTHER = "+33698765432"


def recording(call: Call, suffix: str = ".wav") -> Path:
    path = get_settings().recordings_dir / call.organization.slug / f"{call.call_sid}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF")
    Call.objects.filter(pk=call.pk).update(recording_file=str(path))
    return path


def test_retention_purges_old_calls_and_keeps_fresh_ones(org_a, org_b, make_call):
    org_a.retention_days = 30
    org_a.save()
    old = make_call(org_a, started_at=timezone.now() - timedelta(days=31))
    fresh = make_call(org_a, started_at=timezone.now() - timedelta(days=29))
    other_org = make_call(org_b, started_at=timezone.now() - timedelta(days=31))  # keeps the default 365 days
    Lead.objects.filter(call=old).update(qualification={"area": "Oberkampf"}, notes="Called back, visit booked")
    old_files = [recording(old), recording(old, ".voicemail.wav")]
    kept_files = [recording(fresh), recording(other_org)]

    report = purge_expired()

    assert (report.calls, report.utterances, report.leads_blanked) == (1, 5, 1)
    assert sorted(report.files) == sorted(old_files) and not any(p.exists() for p in old_files)
    assert all(p.exists() for p in kept_files)
    old.refresh_from_db()
    assert (old.summary, old.recording_file, old.utterances.count()) == ("", "", 0)
    assert old.duration_s == 95.4 and old.from_number == CAMILLE, "the call's metadata stays"
    lead = Lead.objects.get(call=old)
    assert (lead.details, lead.qualification, lead.evidence) == ("", {}, {})
    assert (lead.name, lead.phone, lead.intent, lead.notes) == (
        "Camille Durand",
        CAMILLE,
        "visit",
        "Called back, visit booked",
    )
    for call in (fresh, other_org):
        call.refresh_from_db()
        assert call.summary and call.utterances.count() == 5 and call.lead.details
    assert purge_expired().calls == 0, "a second run finds nothing more"


def test_purge_command_prints_its_report(org_a, make_call, capsys):
    org_a.retention_days = 1
    org_a.save()
    make_call(org_a, started_at=timezone.now() - timedelta(days=2))
    call_command("purge")
    assert "calls past retention purged: 1" in capsys.readouterr().out


@pytest.fixture
def calls(org_a, org_b, make_call) -> dict[str, Call]:
    made = {
        "a": make_call(org_a, from_number=CAMILLE),
        "b": make_call(org_b, from_number=CAMILLE),
        "other": make_call(org_a, from_number=OTHER, lead_name="Someone Else"),
        # Rang from a colleague's line but left her own number to be called back on.
        "via_other_line": make_call(org_a, from_number="+33611111111"),
    }
    Lead.objects.filter(call=made["via_other_line"]).update(phone=CAMILLE)
    Contact.objects.create(organization=org_a, phone=CAMILLE, name="Camille Durand")
    Contact.objects.create(organization=org_b, phone=CAMILLE)
    Contact.objects.create(organization=org_a, phone=OTHER)
    return made


def test_erase_removes_the_caller_everywhere_and_nobody_else(calls):
    files = [recording(calls[k]) for k in ("a", "b", "via_other_line")]
    kept = recording(calls["other"])
    deliveries = _deliveries(calls)

    report = erase_caller(CAMILLE)

    assert sorted(report.calls) == sorted(calls[k].call_sid for k in ("a", "b", "via_other_line"))
    assert (report.utterances, report.leads, report.contacts) == (15, 3, 2)
    assert sorted(report.files) == sorted(files) and not any(p.exists() for p in files)
    assert list(Call.objects.values_list("call_sid", flat=True)) == [calls["other"].call_sid]
    assert Utterance.objects.count() == 5 and kept.exists()
    assert list(Lead.objects.values_list("phone", flat=True)) == [OTHER]
    assert list(Contact.objects.values_list("phone", flat=True)) == [OTHER]
    if deliveries is not None:
        assert report.notifications == 3 and list(deliveries.objects.values_list("target", flat=True)) == [OTHER]


def _deliveries(calls: dict[str, Call]):
    """One notification per lead, when the notifications app is installed (it is optional)."""
    if not apps.is_installed("synclead.notifications"):
        return None
    from synclead.notifications.models import Delivery

    for call in calls.values():
        Delivery.objects.create(
            lead=call.lead, channel="sms", target=call.lead.phone if call.lead.phone == OTHER else "x"
        )
    return Delivery


def test_erase_in_one_organization_leaves_the_others(calls, org_a):
    in_b = recording(calls["b"])
    report = erase_caller(CAMILLE, org_a)
    assert sorted(report.calls) == sorted([calls["a"].call_sid, calls["via_other_line"].call_sid])
    assert Call.objects.filter(pk=calls["b"].pk).exists() and in_b.exists()
    assert Contact.objects.filter(phone=CAMILLE, organization__slug="maison-rivage").exists()


def test_dry_run_changes_nothing(calls, capsys):
    path = recording(calls["a"])
    call_command("erase", "--phone", CAMILLE)
    out = capsys.readouterr().out
    assert "would remove for +33612345678" in out and str(path) in out and "--yes" in out
    assert Call.objects.count() == 4 and Contact.objects.count() == 3 and path.exists()

    call_command("erase", "--phone", CAMILLE, "--org", "agence-lumiere", "--yes")
    assert "removed for +33612345678" in capsys.readouterr().out
    assert not path.exists() and Call.objects.count() == 2


@pytest.mark.parametrize("bad", ["0612345678", "+3361234", "camille", ""])
def test_a_bad_number_is_a_clear_error(calls, bad):
    with pytest.raises(InvalidPhone, match="phone number"):
        erase_caller(bad)
    with pytest.raises(CommandError, match="phone number"):
        call_command("erase", "--phone", bad, "--yes")
    assert Call.objects.count() == 4


def test_an_unknown_organization_is_a_clear_error(calls):
    with pytest.raises(CommandError, match="no organization 'nope'"):
        call_command("erase", "--phone", CAMILLE, "--org", "nope")
