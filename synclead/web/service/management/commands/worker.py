"""`synclead worker`: run post-call jobs (reports, notifications) outside the gateway, on whatever queue is configured.

One command whatever the backend: with SYNCLEAD_REDIS_URL (and SYNCLEAD_WORKER=external on the gateways) the jobs
are on Redis and this is an RQ worker; otherwise they are rows in the database and this is the database worker.
Start as many as the load needs, on any machine that reaches the queue and the database.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from synclead.config import get_settings


class Command(BaseCommand):
    help = "Run post-call jobs (reports, notifications) from the configured queue: Redis or the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--burst", action="store_true", help="Run the jobs waiting now, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = get_settings().tasks_backend
        if backend == "django_tasks_rq.RQBackend":
            self.stdout.write("post-call worker on Redis (RQ), queue 'default'")
            # Jobs run in this process rather than a fork per job: the report's models (embeddings, the name
            # checker) load once and stay warm, instead of loading again for every call.
            call_command(
                "rqworker",
                "default",
                job_class="django_tasks_rq.Job",
                worker_class="rq.worker.SimpleWorker",
                burst=options["burst"],
            )
        elif backend == "django_tasks_db.DatabaseBackend":
            self.stdout.write("post-call worker on the database")
            call_command("db_worker", queue_name="*", batch=options["burst"])
        else:
            self.stderr.write(f"SYNCLEAD_TASKS_BACKEND={backend}: start that backend's own workers instead.")
            raise SystemExit(2)
