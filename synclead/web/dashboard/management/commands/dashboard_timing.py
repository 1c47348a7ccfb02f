"""`synclead dashboard_timing`: seed a busy year (10,000 calls and leads by default) and time every dashboard page.

Run it on an empty database, never production's:
    SYNCLEAD_DATA_DIR=$(mktemp -d) synclead dashboard_timing
It migrates, seeds, then requests each page several times through Django's test client, as a signed-in member of
both agencies, and prints the server time of each (median and worst), with the pages over budget marked.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from synclead.web.calls.models import Call
from synclead.web.dashboard import seeding
from synclead.web.leads.models import Lead

PASSWORD = "timing-only-password"
# Pages that take no argument, by URL name; those this deployment does not have are skipped.
SIMPLE_PAGES = ("live_calls", "lead_inbox", "knowledge_index", "audit_log", "two_factor", "settings", "members")


class Command(BaseCommand):
    help = "Seed a throw-away database with a busy year and time every dashboard page (server time)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calls", type=int, default=10_000, help="Calls (each with its lead) to seed.")
        parser.add_argument("--requests", type=int, default=7, help="Requests per page.")
        parser.add_argument("--budget-ms", type=float, default=200.0, help="The most a page may take.")
        parser.add_argument("--no-seed", action="store_true", help="Time what an earlier run seeded.")

    def handle(self, *args, **options) -> None:
        if options["calls"] < 1 or options["requests"] < 1:
            raise CommandError("--calls and --requests must be at least 1", returncode=2)
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_seed"]:
            started = time.perf_counter()
            try:
                seeded = seeding.seed(options["calls"], PASSWORD)
            except ValueError as exc:
                raise CommandError(f"{exc} (or pass --no-seed)", returncode=2) from None
            self.stdout.write(
                f"seeded {seeded.calls} calls, {seeded.utterances} utterances and {seeded.leads} leads "
                f"in {time.perf_counter() - started:.1f} s ({settings.DATABASES['default']['ENGINE']})"
            )
        user = get_user_model().objects.filter(username=seeding.USERNAME).first()
        if user is None:
            raise CommandError("no timing user: run once without --no-seed", returncode=2)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
        over = 0
        # How fast this machine is right now: the same loop takes about 30 ms on an idle recent core.
        reference = time.thread_time()
        total = 0
        for i in range(1_000_000):
            total += i
        self.stdout.write(f"reference: a 1M-step Python loop took {(time.thread_time() - reference) * 1000:.0f} ms CPU")
        self.stdout.write(f"{'page':<44} {'CPU p50':>8} {'CPU max':>8} {'wall p50':>9} {'wall max':>9}  (ms)")
        for label, path in self.pages():
            self.timed(client, path, secure)  # the first request of a page fills caches (templates, translations)
            cpu, wall = zip(*(self.timed(client, path, secure) for _ in range(options["requests"])), strict=True)
            flag = "  over budget" if max(cpu) > options["budget_ms"] else ""
            over += bool(flag)
            self.stdout.write(
                f"{label:<44} {statistics.median(cpu):>8.1f} {max(cpu):>8.1f} "
                f"{statistics.median(wall):>9.1f} {max(wall):>9.1f}{flag}"
            )
        if over:
            raise CommandError(f"{over} page(s) over {options['budget_ms']:.0f} ms", returncode=1)

    def timed(self, client: Client, path: str, secure: bool) -> tuple[float, float]:
        """The request's server time in ms: CPU time of this thread plus, with a local PostgreSQL, of the server
        process answering our connection (SQLite runs in this thread); and wall time, which a busy machine inflates."""
        cpu, db, wall = time.thread_time(), database_cpu_s(), time.perf_counter()
        response = client.get(path, secure=secure)
        if response.streaming:
            for _ in response.streaming_content:
                pass
        db = database_cpu_s() - db
        cpu, wall = (time.thread_time() - cpu + db) * 1000, (time.perf_counter() - wall) * 1000
        if response.status_code != 200:
            raise CommandError(f"{path} answered {response.status_code}")
        return cpu, wall

    def pages(self) -> Iterable[tuple[str, str]]:
        today = timezone.localdate()
        month = f"since={today - timedelta(days=29)}&until={today}"
        year = f"since={today - timedelta(days=364)}&until={today}"
        call = Call.objects.filter(organization__slug__in=seeding.SLUGS).order_by("-started_at").first()
        lead = Lead.objects.filter(organization__slug__in=seeding.SLUGS).order_by("-created_at").first()
        yield "calls list", "/"
        yield "calls list, page 100", "/?page=100"
        yield "calls list, one organization", f"/?org={seeding.SLUGS[0]}"
        yield "calls list, words said", "/?q=boiler"
        yield "calls list, number", "/?q=06%2012%2034"
        yield "calls list, range+intent+language+status", f"/?{month}&intent=rent&language=fr&status=completed"
        if call is not None:
            yield "call detail", reverse("dashboard:call_detail", args=[call.call_sid])
        yield "leads inbox, search", "/leads/?q=Durand"
        if lead is not None:
            yield "lead detail", reverse("dashboard:lead_detail", args=[lead.pk])
        yield "analytics, 30 days", f"/analytics/?{month}"
        yield "analytics, 365 days", f"/analytics/?{year}"
        yield "export calls CSV, 30 days", f"/analytics/calls.csv?{month}"
        yield "export leads CSV, 30 days", f"/analytics/leads.csv?{month}"
        for name in SIMPLE_PAGES:
            try:
                yield name.replace("_", " "), reverse(f"dashboard:{name}")
            except NoReverseMatch:
                continue


def database_cpu_s() -> float:
    """CPU seconds used so far by the PostgreSQL process serving this connection, when it runs on this machine
    (its /proc entry is readable); 0 for SQLite, which runs in our own thread and is counted there."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime, fields 14 and 15 of stat(5), counted from the state field (the 3rd) here.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
