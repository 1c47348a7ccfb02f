"""The evaluation page: an organization's latest `synclead eval` scorecard, scenario by scenario and check by check.

Every view starts from `for_user`: another agency's slug is a 404 like an unknown one.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from synclead.web.evals.models import Scorecard
from synclead.web.organizations.models import Organization


@login_required
@require_GET
def eval_index(request: HttpRequest) -> HttpResponse:
    organizations = list(Organization.objects.for_user(request.user).select_related("scorecard"))
    if len(organizations) == 1:
        return redirect(reverse("dashboard:eval", args=[organizations[0].slug]))
    return render(request, "evals/index.html", {"organizations": organizations})


@login_required
@require_GET
def eval_scorecard(request: HttpRequest, slug: str) -> HttpResponse:
    organization = get_object_or_404(Organization.objects.for_user(request.user), slug=slug)
    scorecard = Scorecard.objects.filter(organization=organization).first()
    scenarios = scorecard.data.get("scenarios", []) if scorecard is not None else []
    context = {
        "organization": organization,
        "scorecard": scorecard,
        # Failures first: they are what the page is read for.
        "scenarios": sorted(scenarios, key=lambda s: (s.get("passed") == s.get("total"), s.get("name", ""))),
        "totals": scorecard.data.get("totals", {}) if scorecard is not None else {},
    }
    return render(request, "evals/scorecard.html", context)
