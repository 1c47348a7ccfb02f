"""`synclead notifications retry`: send the deliveries whose back-off has run out (run it from cron every minute)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from synclead.notifications.notify import retry_due_deliveries


class Command(BaseCommand):
    help = "Lead notifications. 'retry' sends the deliveries that are due again."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["retry"])
        parser.add_argument("--limit", type=int, default=100, help="At most this many deliveries per run.")

    def handle(self, *args: Any, action: str, limit: int, **options: Any) -> None:
        tried = retry_due_deliveries(limit=limit)
        self.stdout.write(f"{tried} deliveries attempted")
