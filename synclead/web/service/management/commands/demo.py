"""`synclead demo`: set up the demo agency and a dashboard login, then serve."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from synclead.web.service.demo import ensure_demo_organizations
from synclead.web.service.demo_kb import ensure_demo_knowledge
from synclead.web.service.management.commands.serve import run_gateway


class Command(BaseCommand):
    help = "Create the demo agency (English and French) and a demo login, then run the service."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Set up only.")

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        orgs = ensure_demo_organizations()
        for slug, results in ensure_demo_knowledge().items():
            changed = [r for r in results if r.status != "unchanged"]
            if changed:
                self.stdout.write(f"{slug}: knowledge base {', '.join(f'{r.name} {r.status}' for r in changed)}")
        user_model = get_user_model()
        password = secrets.token_urlsafe(9)
        user, _ = user_model.objects.get_or_create(username="demo", defaults={"is_staff": True})
        user.set_password(password)
        user.save()
        for org in orgs:
            # The demo's user decides everything about the demo agency: settings, members.
            org.members.add(user, through_defaults={"role": "owner"})
        base = f"http://{options['host']}:{options['port']}"
        self.stdout.write(
            f"Demo agency ready: {', '.join(f'{o.slug} ({o.numbers.first()})' for o in orgs)}\n"
            f"Dashboard: {base}/  login: demo  password: {password}\n"
            f"Try a call from another terminal: synclead call --org demo --script examples/call-en.json "
            f"--report report.json --url {base}\n"
        )
        if not options["no_serve"]:
            run_gateway(options["host"], options["port"])
