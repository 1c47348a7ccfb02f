"""`synclead dashboard_timing`: seeds, requests every page as an owner of both agencies, and reports each."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from synclead.web.calls.models import Call, Utterance
from synclead.web.leads.models import Lead

pytestmark = pytest.mark.django_db


def test_it_seeds_and_times_every_page():
    out = io.StringIO()
    # No time limit here: the test checks that every page answers, not how fast this machine is.
    call_command("dashboard_timing", "--calls", "40", "--requests", "1", "--budget-ms", "1e9", stdout=out)
    text = out.getvalue()
    assert Call.objects.count() == Lead.objects.count() == 40
    assert Utterance.objects.filter(role="caller").exists()
    assert Lead.objects.exclude(called_back_at=None).exists()
    for page in ("calls list, words said", "call detail", "lead detail", "analytics, 365 days", "export leads CSV",
                 "live calls", "audit log"):  # fmt: skip
        assert f"\n{page}" in text, text
    with pytest.raises(CommandError, match="already exist"):
        call_command("dashboard_timing", "--calls", "1", stdout=io.StringIO())
