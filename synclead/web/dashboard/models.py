"""What a dashboard user chose for themselves, kept with their account rather than in one browser."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Preference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_preference")
    # Empty: the browser's Accept-Language (or the language cookie) decides.
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"{self.user}: {self.language or 'browser language'}"
