"""`synclead erase --phone E164`: everything about one caller, shown first and removed only with --yes."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from synclead.web.audit.events import cli_actor
from synclead.web.calls.privacy import InvalidPhone, erase_caller
from synclead.web.organizations.models import Organization


class Command(BaseCommand):
    help = "Remove a caller's calls, transcripts, recordings, leads and contacts (a dry run unless --yes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--phone", required=True, help="The caller's number, E.164 (+33612345678).")
        parser.add_argument("--org", help="Only this organization (its slug); every organization by default.")
        parser.add_argument("--yes", action="store_true", help="Really remove; without it, only list what would go.")

    def handle(self, *args, **options) -> None:
        organization = None
        if options["org"]:
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None:
                raise CommandError(f"no organization {options['org']!r}")
        try:
            report = erase_caller(options["phone"], organization, dry_run=not options["yes"], actor=cli_actor())
        except InvalidPhone as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
        if report.dry_run:
            self.stdout.write("Nothing was removed: run again with --yes to remove it.")
