"""`synclead ingest`: one line per file, clear refusals, --delete and --reindex."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from synclead.knowledge.models import Document, Listing, Passage
from tests.knowledge.files import PARIS_RENTALS_EN

FEES = b"# Fees\n\nRentals cost one month's rent. Sales cost four percent.\n"


def _ingest(*args: str | Path) -> str:
    out = StringIO()
    call_command("ingest", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "fees.md").write_bytes(FEES)
    (tmp_path / "paris.csv").write_text(PARIS_RENTALS_EN)
    return tmp_path


def test_prints_one_line_per_file_with_its_counts(org, files):
    assert _ingest("--org", org.slug, files).splitlines() == [
        "added     fees.md (1 passage)",
        "added     paris.csv (3 passages, 3 listings)",
    ]
    (files / "fees.md").write_bytes(FEES.replace(b"four", b"five"))
    assert _ingest("--org", org.slug, files / "fees.md", files / "paris.csv").splitlines() == [
        "updated   fees.md (1 passage)",
        "unchanged paris.csv (3 passages, 3 listings)",
    ]


def test_delete_and_reindex(org, files):
    _ingest("--org", org.slug, files)

    assert _ingest("--org", org.slug, "--reindex") == "re-indexed 2 documents\n"
    assert _ingest("--org", org.slug, "--reindex", "fees.md") == "re-indexed 1 document\n"
    assert _ingest("--org", org.slug, "--delete", "paris.csv") == "deleted paris.csv\n"
    assert not Listing.objects.exists()
    assert list(Document.objects.values_list("name", flat=True)) == ["fees.md"]
    with pytest.raises(CommandError, match=r"has no document named 'paris\.csv'"):
        _ingest("--org", org.slug, "--delete", "paris.csv")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nobody", "{files}"], "No organization 'nobody'"),
        (["--org", "{org}", "{files}/missing.md"], "missing.md: no such file or folder"),
        (["--org", "{org}", "{files}/photo.jpg"], ".jpg files are not supported"),
        (["--org", "{org}", "{files}/bad.csv"], "line 3, column 'price'"),
        (["--org", "{org}"], "Nothing to do"),
        (["--org", "{org}", "--delete", "fees.md", "{files}"], "not together"),
        (["--org", "{org}", "--reindex", "missing.md"], "no document by this name"),
    ],
)
def test_refusals_are_clear_and_change_nothing(org, files, args, message):
    (files / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (files / "bad.csv").write_text("reference,kind,city,price\nA,rent,Paris,900\nB,rent,Paris,cheap\n")
    with pytest.raises(CommandError, match=message):
        _ingest(*(arg.format(org=org.slug, files=files) for arg in args))
    assert not Document.objects.exists()
    assert not Passage.objects.exists()


def test_a_bad_file_in_a_folder_says_nothing_was_added(org, files):
    (files / "bad.csv").write_text("reference,kind,city,price\nA,rent,Paris,900\nB,rent,Paris,cheap\n")
    with pytest.raises(CommandError) as caught:
        _ingest("--org", org.slug, files)
    assert str(caught.value).endswith("Nothing was added.")
    assert not Document.objects.exists()
