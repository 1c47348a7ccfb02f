"""`synclead ingest --org SLUG PATH…` (`--map COLUMN=FIELD`, `--dry-run`), `--delete NAME`, `--reindex [NAME]`:
an organization's knowledge base."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from synclead.knowledge.ingest import (
    CheckedFile,
    IngestError,
    IngestResult,
    check_paths,
    delete_document,
    ingest_paths,
    reindex,
)
from synclead.knowledge.listings import MappingError, parse_mapping
from synclead.knowledge.listings.preview import preview
from synclead.web.organizations.models import Organization

_ALL = "*"


class Command(BaseCommand):
    help = (
        "Add Markdown, text, HTML, PDF and Word documents and listings (CSV or Excel .xlsx) to an organization's "
        "knowledge base (folders are searched recursively). Unchanged files are skipped; changed files replace their "
        "passages. --dry-run shows how each listings column is understood and the first rows, writing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, metavar="SLUG", help="the organization, by its slug")
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files and folders to add")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="read a listings column as this field (or 'ignore'); repeatable, e.g. --map 'Prix FAI=sale_price'",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be added, and how listings are read; write nothing"
        )
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
        try:
            columns = parse_mapping(options["map"])  # type: ignore[arg-type]
        except MappingError as error:
            raise CommandError(f"--map: {error}") from error
        if (delete or rebuild) and paths:
            raise CommandError("Give paths to add, or --delete, or --reindex; not together.")
        if (delete or rebuild) and (columns or options["dry_run"]):
            raise CommandError("--map and --dry-run go with paths to add.")
        if delete:
            self._delete(organization, str(delete))
        elif rebuild:
            try:
                count = reindex(organization, None if rebuild == _ALL else str(rebuild))
            except IngestError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"re-indexed {count} document{'s' if count != 1 else ''}")
        elif paths and options["dry_run"]:
            self._dry_run(organization, paths, columns)
        elif paths:
            try:
                results = ingest_paths(organization, paths, columns=columns)
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

    def _dry_run(self, organization: Organization, paths: list[Path], columns: dict[str, str]) -> None:
        try:
            checked = check_paths(organization, paths, columns=columns)
        except IngestError as error:
            raise CommandError(f"{error}\nNothing was written (--dry-run).") from error
        for item in checked:
            self.stdout.write(_checked_line(item))
            if item.reading is not None:
                self.stdout.write(preview(item.reading))
        refused = [item for item in checked if item.status == "refused"]
        if refused:
            reasons = "\n".join(f"{item.name}: {item.reading.refusal}" for item in refused if item.reading)
            raise CommandError(f"{reasons}\nNothing was written (--dry-run); as it is, nothing would be added.")
        self.stdout.write(_("Nothing was written (--dry-run)."))


def _counts(passages: int, listings: int) -> str:
    counts = f"{passages} passage{'s' if passages != 1 else ''}"
    if listings:
        counts += f", {listings} listing{'s' if listings != 1 else ''}"
    return counts


def _line(result: IngestResult) -> str:
    return f"{result.status:<9} {result.name} ({_counts(result.passages, result.listings)})"


def _checked_line(item: CheckedFile) -> str:
    if item.status == "refused":
        return f"refused   {item.name}"
    would = "unchanged" if item.status == "unchanged" else f"would be {item.status}:"
    return f"{would} {item.name} ({_counts(item.passages, item.listings)})"
