"""Documents into an organization's knowledge base and out of it: stored, cut into passages, indexed.

A file is read and checked completely before anything is written, and written inside one transaction: a bad
file leaves the knowledge base as it was. A document is identified by its name within its organization and
recognised by its SHA-256, so sending the same file again does nothing at all.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from synclead.knowledge.chunking import chunk_sections
from synclead.knowledge.listings import ListingImport, ParsedListing, describe, read_listings
from synclead.knowledge.loaders import EXTENSIONS, IngestError, detect_kind, load_sections, supported
from synclead.knowledge.models import Document, DocumentKind, Listing, Passage
from synclead.knowledge.vocabulary import refresh_vocabulary
from synclead.web.organizations.models import Organization

__all__ = [
    "CheckedFile",
    "IngestError",
    "IngestResult",
    "ListingsRefused",
    "check_file",
    "check_paths",
    "delete_document",
    "ingest_file",
    "ingest_paths",
    "reindex",
]

MAX_NAME_LENGTH = 255  # Document.name
MAX_HEADING_LENGTH = 500  # Passage.heading


@dataclass(frozen=True, slots=True)
class IngestResult:
    name: str
    status: Literal["added", "updated", "unchanged"]
    passages: int
    listings: int


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """What ingesting a file would do, found without writing anything (`--dry-run`, the dashboard's preview)."""

    name: str
    status: Literal["added", "updated", "unchanged", "refused"]
    passages: int
    listings: int
    reading: ListingImport | None  # for a listings file: its columns as understood, the listings, the problems


class ListingsRefused(IngestError):
    """A listings file with problems in its cells or columns; `reading` shows how it was understood."""

    def __init__(self, reading: ListingImport) -> None:
        super().__init__(reading.name, reading.refusal)
        self.reading = reading


@dataclass(slots=True)
class _Prepared:
    """A file read and checked, ready to be written; `unchanged` when the stored copy has the same bytes."""

    name: str
    data: bytes
    sha256: str
    kind: DocumentKind
    unchanged: IngestResult | None = None
    passages: list[tuple[str, str]] = field(default_factory=list)  # (heading, text)
    listings: list[ParsedListing] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # a listings file's column → field mapping
    reading: ListingImport | None = None


def ingest_file(
    organization: Organization, name: str, data: bytes, *, columns: Mapping[str, str] | None = None
) -> IngestResult:
    """Add or replace one document. Raises `IngestError` for a file that cannot be read; nothing is written then.
    `columns` maps a listings file's columns to fields where the headers and values are not enough."""
    return _commit(organization, _prepare(organization, _clean_name(name), data, columns))


def ingest_paths(
    organization: Organization, paths: Sequence[Path], *, columns: Mapping[str, str] | None = None
) -> list[IngestResult]:
    """Files, and folders searched recursively for supported files (hidden ones skipped). A file is named by its
    path below the folder given, so two `fees.md` in different subfolders stay two documents. `columns` applies
    to every listings file among them."""
    prepared = _prepare_paths(organization, paths, columns)
    return [_commit(organization, item) for item in prepared]


def check_paths(
    organization: Organization, paths: Sequence[Path], *, columns: Mapping[str, str] | None = None
) -> list[CheckedFile]:
    """What `ingest_paths` would do, writing nothing. A listings file with bad cells comes back "refused" with its
    reading; any other `IngestError` (a file that cannot be read at all) is raised."""
    return [
        check_file(organization, name, _read(name, path), columns=columns)
        for name, path in _collect_with(paths, columns)
    ]


def check_file(
    organization: Organization, name: str, data: bytes, *, columns: Mapping[str, str] | None = None
) -> CheckedFile:
    """What `ingest_file` would do, writing nothing."""
    name = _clean_name(name)
    try:
        item = _prepare(organization, name, data, columns)
        if item.unchanged is not None:
            result = item.unchanged
            return CheckedFile(result.name, "unchanged", result.passages, result.listings, item.reading)
        document = Document.objects.filter(organization=organization, name=item.name).only("pk").first()
        _check_references(organization, document, item)
    except ListingsRefused as refused:
        return CheckedFile(name, "refused", 0, 0, refused.reading)
    status: Literal["added", "updated"] = "added" if document is None else "updated"
    return CheckedFile(item.name, status, len(item.passages), len(item.listings), item.reading)


def _prepare_paths(
    organization: Organization, paths: Sequence[Path], columns: Mapping[str, str] | None
) -> list[_Prepared]:
    # Every file is read and checked before the first is written: one bad file in a folder changes nothing.
    return [_prepare(organization, name, _read(name, path), columns) for name, path in _collect_with(paths, columns)]


def _collect_with(paths: Sequence[Path], columns: Mapping[str, str] | None) -> list[tuple[str, Path]]:
    files = _collect(paths)
    if columns and not any(EXTENSIONS.get(path.suffix.lower()) is DocumentKind.LISTINGS for _name, path in files):
        raise IngestError(", ".join(name for name, _path in files), "a column mapping is for listings files only.")
    return files


def delete_document(organization: Organization, name: str) -> bool:
    """Remove a document with its passages (and so their vectors and index entries) and listings."""
    with transaction.atomic():
        deleted, _ = Document.objects.filter(organization=organization, name=_clean_name(name)).delete()
        if deleted:
            refresh_vocabulary(organization.pk)
    return deleted > 0


def reindex(organization: Organization, name: str | None = None) -> int:
    """Rebuild passages, listings and embeddings from the stored bytes (after a change of chunking, embedding model
    or language), for one document or all of them. Returns how many documents were re-indexed.

    Each document is rebuilt in its own transaction; one that can no longer be read keeps its passages, the others
    are still rebuilt, and an `IngestError` names the ones that failed.
    """
    documents = Document.objects.filter(organization=organization)
    if name is not None:
        documents = documents.filter(name=_clean_name(name))
    ids = list(documents.values_list("pk", flat=True))
    if name is not None and not ids:
        raise IngestError(name, "there is no document by this name.")
    failures: list[IngestError] = []
    for pk in ids:
        # One at a time: a document's bytes can weigh megabytes.
        document = Document.objects.get(pk=pk)
        try:
            kind = DocumentKind(document.kind)
            prepared = _parse(organization, document.name, bytes(document.content), kind, document.listing_columns)
            with transaction.atomic():
                _replace_contents(organization, document, prepared)
        except IngestError as error:
            failures.append(error)
    if len(failures) == 1:
        raise IngestError(failures[0].name, f"{failures[0].reason} It keeps its passages from before.")
    if failures:
        reasons = " ".join(str(error) for error in failures)
        raise IngestError(
            ", ".join(e.name for e in failures), f"could not be re-indexed and keep their passages. {reasons}"
        )
    return len(ids)


def with_counts(documents: QuerySet[Document]) -> QuerySet[Document]:
    """`documents` with `passage_count` and `listing_count`, without their bytes."""

    # Subqueries rather than two joined Counts: joining passages and listings at once multiplies their rows.
    def count(model: type[Passage] | type[Listing]) -> Coalesce:
        rows = model.objects.filter(document=OuterRef("pk")).order_by().values("document")
        return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)

    return documents.defer("content").annotate(passage_count=count(Passage), listing_count=count(Listing))


# --- Reading ----------------------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    # The dashboard stores NFC names; a file named on macOS arrives decomposed and must find the same document.
    clean = unicodedata.normalize("NFC", name.strip())
    if not clean or any(unicodedata.category(char) == "Cc" for char in clean):
        raise IngestError(repr(name), "a document needs a name without control characters.")
    if len(clean) > MAX_NAME_LENGTH:
        raise IngestError(clean[:60] + "…", f"the name is longer than {MAX_NAME_LENGTH} characters.")
    return clean


def _collect(paths: Sequence[Path]) -> list[tuple[str, Path]]:
    files: dict[str, Path] = {}
    for root in map(Path, paths):
        if root.is_dir():
            found = [
                (path.relative_to(root).as_posix(), path)
                for path in sorted(root.rglob("*"))
                if path.is_file() and supported(path.name) and not _hidden(path.relative_to(root))
            ]
            if not found:
                raise IngestError(
                    str(root), "there is no Markdown, text, HTML, PDF, Word, CSV or Excel file in this folder."
                )
        elif root.is_file():
            found = [(root.name, root)]
        else:
            raise IngestError(str(root), "no such file or folder.")
        for name, path in found:
            name = _clean_name(name)
            if name in files and files[name] != path:
                raise IngestError(name, f"two files would be stored under this name: {files[name]} and {path}.")
            files[name] = path
    return list(files.items())


def _hidden(relative: Path) -> bool:
    # Dot files and folders (.git, .DS_Store) and the lock files Office leaves beside open documents (~$fees.docx).
    return any(part.startswith((".", "~$")) for part in relative.parts)


def _read(name: str, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(name, f"the file could not be read ({exc.strerror}).") from exc


def _prepare(organization: Organization, name: str, data: bytes, columns: Mapping[str, str] | None) -> _Prepared:
    kind = detect_kind(name, data)
    columns = dict(columns or {}) if kind is DocumentKind.LISTINGS else {}
    digest = hashlib.sha256(data).hexdigest()
    documents = Document.objects.filter(organization=organization, name=name)
    stored = with_counts(documents).only("sha256", "listing_columns").first()
    if stored is not None and stored.sha256 == digest and stored.listing_columns == columns:
        unchanged = IngestResult(name, "unchanged", stored.passage_count, stored.listing_count)
        reading = read_listings(name, data, columns) if kind is DocumentKind.LISTINGS else None
        return _Prepared(name, data, digest, kind, unchanged=unchanged, columns=columns, reading=reading)
    prepared = _parse(organization, name, data, kind, columns)
    prepared.sha256 = digest
    return prepared


def _parse(
    organization: Organization, name: str, data: bytes, kind: DocumentKind, columns: Mapping[str, str]
) -> _Prepared:
    prepared = _Prepared(name, data, "", kind, columns=dict(columns))
    if kind is DocumentKind.LISTINGS:
        prepared.reading = read_listings(name, data, columns)
        if prepared.reading.problems:
            raise ListingsRefused(prepared.reading)
        prepared.listings = list(prepared.reading.listings)
        label = "Annonce" if organization.language == "fr" else "Listing"
        prepared.passages = [
            (f"{label} {row.reference}", describe(row, organization.language)) for row in prepared.listings
        ]
    else:
        chunks = chunk_sections(load_sections(name, data, kind))
        prepared.passages = [(_shorten(chunk.heading), chunk.text) for chunk in chunks]
    return prepared


def _shorten(heading: str) -> str:
    # The deepest headings say most about a passage; a path too long for the column loses its top.
    return heading if len(heading) <= MAX_HEADING_LENGTH else "…" + heading[-(MAX_HEADING_LENGTH - 1) :]


# --- Writing ----------------------------------------------------------------------------------------------------


def _commit(organization: Organization, prepared: _Prepared) -> IngestResult:
    if prepared.unchanged is not None:
        return prepared.unchanged
    try:
        with transaction.atomic():
            # Locked (PostgreSQL) so that two uploads of one name in parallel replace each other in turn.
            document = (
                Document.objects.select_for_update().filter(organization=organization, name=prepared.name).first()
            )
            status: Literal["added", "updated"] = "added" if document is None else "updated"
            if document is None:
                document = Document(organization=organization, name=prepared.name)
            elif document.sha256 == prepared.sha256 and document.listing_columns == prepared.columns:
                return IngestResult(prepared.name, "unchanged", len(prepared.passages), len(prepared.listings))
            document.kind, document.sha256 = prepared.kind, prepared.sha256
            document.content, document.size = prepared.data, len(prepared.data)
            document.listing_columns = prepared.columns
            document.save()
            _replace_contents(organization, document, prepared)
    except IntegrityError as exc:
        # Both the name and listing references are unique per organization; a parallel upload can take one first.
        raise IngestError(
            prepared.name, "another upload changed the knowledge base at the same time; try again."
        ) from exc
    return IngestResult(prepared.name, status, len(prepared.passages), len(prepared.listings))


def _replace_contents(organization: Organization, document: Document, prepared: _Prepared) -> None:
    """Inside the caller's transaction: the document's passages and listings replaced, the new passages indexed."""
    # Imported here: indexing loads numpy and the embedding provider, which reading a file never needs.
    from synclead.knowledge.index import index_passages

    _check_references(organization, document, prepared)
    Passage.objects.filter(document=document).delete()
    Listing.objects.filter(document=document).delete()
    passages = Passage.objects.bulk_create(
        Passage(organization=organization, document=document, position=position, heading=heading, text=text)
        for position, (heading, text) in enumerate(prepared.passages)
    )
    Listing.objects.bulk_create(_listing(organization, document, row) for row in prepared.listings)
    index_passages(passages)
    # In the same transaction: the recogniser's names never disagree with the knowledge base they came from.
    refresh_vocabulary(organization.pk)


def _check_references(organization: Organization, document: Document | None, prepared: _Prepared) -> None:
    rows = {row.reference: row for row in prepared.listings}
    references = list(rows)
    for start in range(0, len(references), 500):  # bounded IN lists, for SQLite's parameter limit
        clash = (
            Listing.objects.filter(organization=organization, reference__in=references[start : start + 500])
            .exclude(document_id=document.pk if document is not None else None)
            .select_related("document")
            .only("reference", "document__name")
            .first()
        )
        if clash is not None:
            where = rows[clash.reference].where
            raise IngestError(
                prepared.name,
                f"{where}: reference {clash.reference!r} is already a listing of {clash.document.name}; "
                "a reference can only be in one file.",
            )


def _listing(organization: Organization, document: Document, row: ParsedListing) -> Listing:
    return Listing(
        organization=organization,
        document=document,
        reference=row.reference,
        kind=row.kind,
        city=row.city,
        district=row.district or row.postal_code,
        rooms=row.rooms,
        bedrooms=row.bedrooms,
        surface_m2=row.surface_m2,
        price=row.price,
        charges=row.charges,
        available_from=row.available_from,
        available=row.available,
        features=list(row.features),
        description=row.description,
    )
