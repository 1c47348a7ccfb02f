"""`synclead ingest`: one line per file, clear refusals, --delete and --reindex; agencies' listings exports with
--dry-run and --map, through `call_command` and through the console script as an operator types it."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from synclead.knowledge.models import Document, Listing, Passage
from tests.knowledge.files import AGENCY_EXPORT_FR, PARIS_RENTALS_EN, UNIT_HEADERS_EN, listings_xlsx

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


# --- Listings exports: --dry-run, --map ---------------------------------------------------------------------------


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "agence.csv").write_bytes(AGENCY_EXPORT_FR)
    (folder / "stock.csv").write_bytes(UNIT_HEADERS_EN)
    (folder / "annonces.xlsx").write_bytes(listings_xlsx())
    return folder


def _columns(output: str) -> dict[str, list[str]]:
    """The dry run's column lines, `header: [field, why…]`, for the headers given."""
    lines = output.splitlines()
    found = {}
    for line in lines:
        parts = line.strip().split("  ")
        parts = [part.strip() for part in parts if part.strip()]
        if len(parts) >= 3:
            found.setdefault(parts[0], parts[1:])
    return found


def test_dry_run_shows_how_each_column_is_read_and_the_first_rows_and_writes_nothing(org, exports):
    output = _ingest("--org", org.slug, "--dry-run", exports / "agence.csv")
    assert output.splitlines()[0] == "would be added: agence.csv (3 passages, 3 listings)"
    assert "read as CSV, ';' separated, Windows-1252" in output
    columns = _columns(output)
    assert columns["Type"] == ["property_type", "values: 3 of 3 are property types"]
    assert columns["Loyer (€/mois)"] == ["rent", "header 'loyer' with its unit"]
    assert columns["Prix (€)"] == ["sale_price", "header, beside the rent column 'Loyer (€/mois)'"]
    assert columns["Négociateur"] == ["(not used)", "header not recognised"]
    assert "first 3 of 3 listings as they would be stored:" in output
    rows = [line.split() for line in output.splitlines() if line.strip().startswith("line ")]
    assert rows[0][:8] == ["line", "2", "LOC-12", "rent", "Appartement", "T3", "Paris", "75009"]
    assert "1251" in rows[0] and "2027-02-01" in rows[0]
    assert output.rstrip().endswith("Nothing was written (--dry-run).")
    assert not Document.objects.exists() and not Listing.objects.exists()


def test_dry_run_of_a_workbook_and_a_kind_and_type_file(org, exports):
    output = _ingest("--org", org.slug, "--dry-run", exports / "annonces.xlsx", exports / "stock.csv")
    assert "would be added: annonces.xlsx (3 passages, 3 listings)" in output
    assert "read as Excel sheet 'Annonces'" in output
    assert "would be added: stock.csv (3 passages, 3 listings)" in output
    rows = [line.split() for line in output.splitlines() if line.strip().startswith("row ")]
    assert [row[2] for row in rows] == ["X-1", "X-2", "1023"]
    assert not Document.objects.exists()


def test_a_refused_export_shows_its_columns_and_every_bad_cell(org, exports):
    rows = [[f"X-{n}", "Apartment", "rent", "Paris", 75009, 2, 40, None, 900, 50, None, ""] for n in range(1, 14)]
    rows[12][8] = "abc"
    (exports / "annonces.xlsx").write_bytes(listings_xlsx(rows))
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("ingest", "--org", org.slug, "--dry-run", str(exports / "annonces.xlsx"), stdout=out)
    assert "row 14, column 'rent_eur_month' (I): 'abc' is not a price." in str(refused.value)
    assert out.getvalue().startswith("refused   annonces.xlsx")
    assert "rent_eur_month" in _columns(out.getvalue())
    # The same file for real: refused whole, nothing stored, not even the first twelve good rows.
    with pytest.raises(CommandError, match=r"row 14, column 'rent_eur_month' \(I\): 'abc' is not a price\.") as caught:
        _ingest("--org", org.slug, exports)
    assert str(caught.value).endswith("Nothing was added.")
    assert not Document.objects.exists() and not Listing.objects.exists() and not Passage.objects.exists()


def test_map_reads_what_headers_cannot_say_and_is_kept_for_reindexing(org, tmp_path):
    export = tmp_path / "logiciel.csv"
    export.write_bytes(b"Code;Localisation;Tarif;Offre;Commercial\nA;Paris;900;location;Anne\n")
    with pytest.raises(CommandError, match="no column for reference"):
        _ingest("--org", org.slug, export)
    mapping = ["--map", "Code=reference", "--map", "Localisation=city", "--map", "Tarif=price"]
    assert _ingest("--org", org.slug, *mapping, export) == "added     logiciel.csv (1 passage, 1 listing)\n"
    listing = Listing.objects.get()
    assert (listing.reference, listing.city, listing.price, listing.kind) == ("A", "Paris", 900, "rent")
    assert _ingest("--org", org.slug, *mapping, export).startswith("unchanged")
    # The mapping is stored with the file: a re-index reads it the same way.
    assert _ingest("--org", org.slug, "--reindex") == "re-indexed 1 document\n"
    assert Listing.objects.get().city == "Paris"
    # Another mapping of the same bytes is a change.
    assert _ingest("--org", org.slug, *mapping, "--map", "Commercial=district", export).startswith("updated")
    assert Listing.objects.get().district == "Anne"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "Taille=surface"], r"--map: 'surface' is not a field\. The fields are: reference, kind, "),
        (["--map", "Taille"], "is not COLUMN=FIELD"),
        (["--map", "Taille=surface_m2"], "names column 'Taille', which is not in this file; its columns are 'Réf.'"),
    ],
)
def test_a_wrong_mapping_is_refused_clearly(org, exports, args, message):
    with pytest.raises(CommandError, match=message):
        _ingest("--org", org.slug, *args, exports / "agence.csv")
    assert not Document.objects.exists()


SYNCLEAD = Path(sys.executable).parent / "synclead"


def test_the_console_command_previews_and_refuses_an_agency_export(tmp_path, exports):
    from tests.databases import own_database

    with own_database() as database_url:
        env = {**os.environ, "SYNCLEAD_DATA_DIR": str(tmp_path), "SYNCLEAD_DATABASE_URL": database_url}
        env["DJANGO_SETTINGS_MODULE"] = "synclead.web.settings"
        for step in (["migrate", "-v", "0"], ["org", "add", "demo", "--name", "Demo", "--number", "+33142685300"]):
            done = _run(*step, env=env)
            assert done.returncode == 0, done.stderr
        preview = _run("ingest", "--org", "demo", "--dry-run", str(exports / "agence.csv"), env=env)
        assert preview.returncode == 0, preview.stderr
        assert "Type" in preview.stdout and "values: 3 of 3 are property types" in preview.stdout
        refused = _run("ingest", "--org", "demo", "--map", "Négociateur=bedrooms", str(exports / "agence.csv"), env=env)
        assert refused.returncode == 1
        assert "line 2, column 'Négociateur': 'Mme Petit' is not a number of bedrooms." in refused.stderr


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SYNCLEAD), *args], env=env, capture_output=True, text=True, timeout=300)
