"""`synclead purge`: apply each organization's retention period; meant for a daily cron or scheduler."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from synclead.web.calls.privacy import purge_expired


class Command(BaseCommand):
    help = "Delete recordings, transcripts and summaries of calls older than their organization's retention period."

    def handle(self, *args, **options) -> None:
        for line in purge_expired().lines():
            self.stdout.write(line)
