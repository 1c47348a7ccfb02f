"""`synclead ingest --org SLUG PATH…`, `--delete NAME`, `--reindex [NAME]`: an organization's knowledge base."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from synclead.knowledge.ingest import IngestError, IngestResult, delete_document, ingest_paths, reindex
from synclead.web.organizations.models import Organization

_ALL = "*"


class Command(BaseCommand):
    help = (
        "Add Markdown, text, HTML, PDF and Word documents and CSV files of listings to an organization's knowledge "
        "base (folders are searched recursively). Unchanged files are skipped; changed files replace their passages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, metavar="SLUG", help="the organization, by its slug")
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files and folders to add")
        actions = parser.add_mutually_exclusive_group()
        actions.add_argument("--delete", metavar="NAME", help="remove a document, its passages and listings")
        actions.add_argument(
            "--reindex",
            nargs="?",
            const=_ALL,
            metavar="NAME",
            help="rebuild passages and embeddings from the stored files (one document, or all without NAME)",
        )

    def handle(self, *args: object, **options: object) -> None:
        slug = str(options["org"])
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization {slug!r}; `synclead org list` shows them.")
        paths: list[Path] = list(options["paths"])  # type: ignore[call-overload]
        delete, rebuild = options["delete"], options["reindex"]
        if (delete or rebuild) and paths:
            raise CommandError("Give paths to add, or --delete, or --reindex; not together.")
        if delete:
            self._delete(organization, str(delete))
        elif rebuild:
            try:
                count = reindex(organization, None if rebuild == _ALL else str(rebuild))
            except IngestError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"re-indexed {count} document{'s' if count != 1 else ''}")
        elif paths:
            try:
                results = ingest_paths(organization, paths)
            except IngestError as error:
                # Every file is checked before any is written, so one bad file means nothing was added.
                raise CommandError(f"{error}\nNothing was added.") from error
            for result in results:
                self.stdout.write(_line(result))
        else:
            raise CommandError("Nothing to do: give files or folders to add, --delete NAME or --reindex.")

    def _delete(self, organization: Organization, name: str) -> None:
        if not delete_document(organization, name):
            raise CommandError(f"{organization.slug} has no document named {name!r}.")
        self.stdout.write(f"deleted {name}")


def _line(result: IngestResult) -> str:
    counts = f"{result.passages} passage{'s' if result.passages != 1 else ''}"
    if result.listings:
        counts += f", {result.listings} listing{'s' if result.listings != 1 else ''}"
    return f"{result.status:<9} {result.name} ({counts})"
