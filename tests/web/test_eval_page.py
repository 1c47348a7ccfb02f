"""The evaluation page: the latest scorecard of the user's organization, never another agency's."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from synclead.web.evals.models import Scorecard
from synclead.web.evals.scenario import parse_scenario
from synclead.web.evals.scoring import scenario_result, totals

SCENARIO = parse_scenario(
    {
        "language": "en",
        "from": "+33611220002",
        "turns": ["Are you open on Saturday?"],
        "expect": {"intent": "general_question", "says": [["10 am", "10:00"]]},
    },
    Path("hours-saturday.json"),
)


def scorecard_data(org_slug: str, said: str) -> dict:
    report = {
        "call_sid": "CA1",
        "transcript": [{"role": "agent", "text": said}],
        "lead": {"intent": "general_question", "urgency": "normal", "name": "", "phone": "+33611220002"},
    }
    results = [scenario_result(SCENARIO, report)]
    return {"org": org_slug, "folder": "examples/eval/en", "caller_voices": {"en": "default"}, "scenarios": results,
            "totals": totals(results)}  # fmt: skip


@pytest.mark.django_db
def test_the_latest_scorecard_replaces_the_last(client_a, org_a):
    Scorecard.record(org_a, scorecard_data(org_a.slug, "We open at 10 am on Saturday."), timezone.now())
    Scorecard.record(org_a, scorecard_data(org_a.slug, "We are closed."), timezone.now())
    assert Scorecard.objects.count() == 1

    response = client_a.get(reverse("dashboard:eval", args=[org_a.slug]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "50.0 %" in page and "1 / 2" in page
    assert "hours-saturday" in page and "We are closed." in page and "10 am | 10:00" in page


@pytest.mark.django_db
def test_the_nav_leads_to_the_only_organization(client_a, org_a):
    page = client_a.get(reverse("dashboard:call_list")).content.decode()
    assert f'href="{reverse("dashboard:eval_index")}"' in page
    response = client_a.get(reverse("dashboard:eval_index"))
    assert response.status_code == 302 and response.url == reverse("dashboard:eval", args=[org_a.slug])
    empty = client_a.get(response.url).content.decode()
    assert "Not evaluated yet" in empty and f"synclead eval --org {org_a.slug}" in empty


@pytest.mark.django_db
def test_another_agencys_scorecard_is_not_found(client_a, user_a, org_b):
    Scorecard.record(org_b, scorecard_data(org_b.slug, "Secret words of Maison Rivage."), timezone.now())
    assert client_a.get(reverse("dashboard:eval", args=[org_b.slug])).status_code == 404
    assert not Scorecard.objects.for_user(user_a).exists()


@pytest.mark.django_db
def test_the_page_needs_a_login(client, org_a):
    response = client.get(reverse("dashboard:eval", args=[org_a.slug]))
    assert response.status_code == 302 and "/login/" in response.url
