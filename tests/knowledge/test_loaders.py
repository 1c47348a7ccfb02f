"""Files to sections: what each loader keeps (headings, words) and drops (markup), and how it refuses bad bytes."""

from __future__ import annotations

import io
import logging
import zipfile

import pytest

from synclead.knowledge import loaders
from synclead.knowledge.loaders import IngestError, Section, decode_text, detect_kind, load_sections
from synclead.knowledge.models import DocumentKind
from tests.knowledge.files import docx_bytes, image_only_pdf, pdf_bytes

MARKDOWN = """---
title: Agence Lumière
---
# Agence Lumière

Welcome to **Agence Lumière**, see [our site](https://lumiere.example) or
write to <contact@lumiere.example>. ![Our office](office.jpg)

## Fees

- One month's rent, *excluding* charges
- Inventory: 3 € per m², paid `once`
  by the tenant
1. First visit free
2. Snake_case_names and 5 * 3 stay as they are, \\*escaped\\* too

Opening hours
-------------

| Day | Hours |
|-----|-------|
| Monday | 9:00 to 19:00 |

> Closed on public holidays.

### Parking
<!-- internal note -->
Ask the concierge.[^1]

[^1]: Footnote.
[site]: https://lumiere.example
"""


def test_markdown_keeps_the_heading_path_and_drops_the_syntax():
    sections = load_sections("agency.md", MARKDOWN.encode())

    assert [s.headings for s in sections] == [
        ("Agence Lumière",),
        ("Agence Lumière", "Fees"),
        ("Agence Lumière", "Opening hours"),
        ("Agence Lumière", "Opening hours", "Parking"),
    ]
    welcome, fees, hours, parking = (s.text for s in sections)
    assert welcome == "Welcome to Agence Lumière, see our site or write to contact@lumiere.example."
    assert fees.split("\n") == [
        "One month's rent, excluding charges",
        "Inventory: 3 € per m², paid once by the tenant",
        "First visit free",
        "Snake_case_names and 5 * 3 stay as they are, *escaped* too",
    ]
    assert hours.split("\n") == ["Day, Hours", "Monday, 9:00 to 19:00", "Closed on public holidays."]
    assert parking.startswith("Ask the concierge.")
    for text in (welcome, fees, hours, parking):
        for syntax in ("**", "](", "<", "#", "|", "---", "title:", "internal note", "[^"):
            assert syntax not in text


def test_a_heading_closes_the_deeper_ones():
    sections = load_sections("a.md", b"# A\none\n### C\ntwo\n## B\nthree\n# D\nfour\n")
    assert [s.headings for s in sections] == [("A",), ("A", "C"), ("A", "B"), ("D",)]


def test_code_fences_keep_their_lines_and_setext_needs_a_paragraph():
    sections = load_sections("a.md", b"```\nline one\nline two\n```\n---\n")
    assert sections == [Section((), "line one\nline two")]


def test_plain_text_joins_wrapped_lines_and_keeps_list_items():
    text = (
        "Our agency manages rentals and sales in the ninth and tenth districts of Paris\n"
        "since 1998, with a team of six advisers.\n"
        "\n"
        "Documents to provide\n"
        "- an identity document\n"
        "- your last three payslips and\n"
        "  your latest tax notice\n"
    )
    [section] = load_sections("about.txt", text.encode())
    assert section.text.split("\n") == [
        "Our agency manages rentals and sales in the ninth and tenth districts of Paris since 1998, with a team of "
        "six advisers.",
        "Documents to provide",
        "an identity document",
        "your last three payslips and your latest tax notice",
    ]


def test_html_reads_the_page_not_its_machinery():
    page = b"""<!doctype html><html><head><title>Lumiere</title><style>p{color:red}</style></head><body>
    <nav><a href="/">Home</a> <a href="/fees">Fees</a></nav>
    <h1>Agence <em>Lumi&egrave;re</em></h1>
    <p>Open <b>every</b> day,&nbsp;except Sunday.</p><!-- hidden comment -->
    <div hidden>Staff only</div>
    <h2>Fees</h2>
    <ul><li>Rental: one month's rent</li><li>Sale: 4 %</li></ul>
    <table><tr><th>Service</th><td>Inventory</td><td>3 &euro;</td></tr></table>
    <footer>12 rue Cadet<br>75009 Paris</footer>
    <script>var tracking = "do not read";</script>
    </body></html>"""
    sections = load_sections("site.html", page)

    assert [s.headings for s in sections] == [("Agence Lumière",), ("Agence Lumière", "Fees")]
    assert sections[0].text == "Open every day, except Sunday."
    assert sections[1].text.split("\n") == [
        "Rental: one month's rent",
        "Sale: 4 %",
        "Service, Inventory, 3 €",
        "12 rue Cadet",
        "75009 Paris",
    ]
    everything = " ".join(s.text for s in sections)
    for dropped in ("Home", "tracking", "Staff only", "hidden comment", "color", "Lumiere"):
        assert dropped not in everything


def test_html_nested_deeper_than_the_recursion_limit_is_read():
    page = b"<div>" * 5000 + b"<p>Deep inside.</p>" + b"</div>" * 5000
    assert load_sections("deep.html", page) == [Section((), "Deep inside.")]


def test_pdf_text_is_unwrapped_across_lines_and_pages():
    body = (
        "The agency is open from Monday to Saturday, from nine in the morning until seven in the evening, and "
        "appointments for visits can be made by phone or on our website at any time of the day."
    )
    data = pdf_bytes([[("title", "Opening hours"), ("body", body)], [("body", "Keys are collected at the office.")]])
    [section] = load_sections("hours.pdf", data)
    assert section.text.split("\n") == ["Opening hours", body, "Keys are collected at the office."]


def test_pdf_protected_by_an_owner_password_only_is_read():
    data = pdf_bytes([[("body", "Fees are listed at the office.")]], user_password="")
    assert load_sections("fees.pdf", data) == [Section((), "Fees are listed at the office.")]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (lambda: pdf_bytes([[("body", "Secret.")]], user_password="s3cret"), "password-protected"),
        (image_only_pdf, "no text layer"),
        (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40, "damaged"),
        (lambda: pdf_bytes([[("body", "Cut short.")]])[:300], "damaged"),
        (lambda: b"Just some text named like a PDF.", "not a PDF"),
    ],
    ids=["encrypted", "image-only", "garbage", "truncated", "renamed"],
)
def test_unreadable_pdfs_are_refused_with_the_reason(data, reason):
    with pytest.raises(IngestError) as caught:
        load_sections("brochure.pdf", data())
    assert caught.value.name == "brochure.pdf"
    assert str(caught.value).startswith("brochure.pdf: ")
    assert reason in caught.value.reason


def test_docx_headings_lists_and_tables():
    sections = load_sections("agency.docx", docx_bytes())
    assert sections == [
        Section(("Agence Lumière",), "We answer every call, even on Saturdays."),
        Section(("Agence Lumière", "Fees"), "Our fees are set by law for rentals."),
        Section(
            ("Agence Lumière", "Fees", "Documents to provide"),
            "An identity document\nYour last three payslips\nInventory, 3 € per m²\nVisit, free",
        ),
        Section(("Agence Lumière", "Opening hours"), "Monday to Saturday, 9:00 to 19:00."),
    ]


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (lambda: docx_bytes()[:2000], "damaged"),
        (lambda: _zip({"xl/workbook.xml": b"<workbook/>"}), "not a Word document"),
        (lambda: _zip({"word/document.xml": b"<not-word/>", "[Content_Types].xml": b"<x/>"}), "damaged"),
        (lambda: b"\xd0\xcf\x11\xe0 an old binary .doc", "not a Word .docx"),
    ],
    ids=["truncated", "spreadsheet", "bad-xml", "old-doc"],
)
def test_unreadable_word_files_are_refused_with_the_reason(data, reason):
    with pytest.raises(IngestError, match=reason):
        load_sections("agency.docx", data())


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notes.md", b"", "empty"),
        ("notes.md", b" \n\t\n", "empty"),
        ("notes.doc", b"x", "Save it as .docx"),
        ("sheet.xls", b"x", "Save it as .xlsx"),
        ("sheet.xlsx", b"x", "not an Excel .xlsx file"),
        ("README", b"x", "files without an extension"),
        ("notes.txt", b"\x00\x01\x02binary", "not a text file"),
        ("notes.md", b"%PDF-1.4 a renamed PDF", "not a text file"),
        ("notes.md", b"<!-- only a comment -->", "no text"),
        ("page.html", b"<script>only()</script>", "no text"),
    ],
)
def test_bad_input_is_refused_with_a_clear_reason(name, data, reason):
    with pytest.raises(IngestError, match=reason):
        load_sections(name, data)


def test_size_limit():
    with pytest.raises(IngestError, match="the limit is 20 MB"):
        detect_kind("big.txt", b"a" * (loaders.MAX_BYTES + 1))


def test_kinds_by_extension_whatever_the_case():
    assert detect_kind("Fees.MD", b"x") is DocumentKind.MARKDOWN
    assert detect_kind("listings.csv", b"x") is DocumentKind.LISTINGS
    assert detect_kind("page.htm", b"x") is DocumentKind.HTML


def test_utf8_with_a_bom_and_utf16_are_decoded():
    assert decode_text("a.txt", "\ufeffCafé".encode()) == "Café"
    assert decode_text("a.txt", "Café\r\nThé".encode("utf-16")) == "Café\nThé"
    # Decomposed accents (as macOS writes them) become one form.
    assert decode_text("a.txt", "Mode\u0300le".encode()) == "Modèle"


@pytest.fixture
def loader_log(monkeypatch, caplog):
    # The project's logging stops "synclead" records at its own handler; the test wants to see them.
    monkeypatch.setattr(logging.getLogger("synclead"), "propagate", True)
    caplog.set_level(logging.WARNING, logger="synclead.knowledge.loaders")
    return caplog


def test_windows_1252_is_read_with_a_warning(loader_log):
    assert load_sections("fees.txt", "Frais d'agence : 12 € le m².".encode("cp1252")) == [
        Section((), "Frais d'agence : 12 € le m².")
    ]
    assert "fees.txt is not UTF-8" in loader_log.text


def test_text_that_is_no_known_encoding_is_refused():
    with pytest.raises(IngestError, match="neither UTF-8 nor Windows-1252"):
        decode_text("a.txt", b"caf\xe9 \x81")
