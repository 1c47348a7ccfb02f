"""The latest scorecard of each organization's `synclead eval` run, shown on its dashboard page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from synclead.web.organizations.models import Organization


class ScorecardQuerySet(models.QuerySet["Scorecard"]):
    def for_user(self, user) -> ScorecardQuerySet:
        return self.filter(organization__in=Organization.objects.for_user(user))


class Scorecard(models.Model):
    # One per organization: a run replaces the previous one (the JSON file of each run is the history, if kept).
    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="scorecard")
    ran_at = models.DateTimeField(_("ran at"))
    score = models.FloatField(_("score"), help_text=_("Percent of checks passed."))
    checks = models.PositiveIntegerField(_("checks"))
    checks_passed = models.PositiveIntegerField(_("checks passed"))
    scenarios = models.PositiveIntegerField(_("scenarios"))
    scenarios_passed = models.PositiveIntegerField(_("scenarios passed"))
    # The whole scorecard as `synclead eval --json` writes it: every scenario, check and transcript.
    data = models.JSONField(default=dict)

    objects = ScorecardQuerySet.as_manager()

    class Meta:
        verbose_name = _("scorecard")

    def __str__(self) -> str:
        return f"{self.organization.slug}: {self.score} %"

    @classmethod
    def record(cls, organization: Organization, scorecard: dict[str, Any], ran_at: datetime) -> Scorecard:
        """Keep `scorecard` as the organization's latest."""
        totals = scorecard["totals"]
        row, _created = cls.objects.update_or_create(
            organization=organization,
            defaults={
                "ran_at": ran_at,
                "score": totals["score"],
                "checks": totals["checks"],
                "checks_passed": totals["checks_passed"],
                "scenarios": totals["scenarios"],
                "scenarios_passed": totals["scenarios_passed"],
                "data": scorecard,
            },
        )
        return row
