"""Uploaded files → plain text sections a caller could be read: headings kept as a path, markup dropped.

Every file is untrusted bytes. Whatever goes wrong reading one becomes an `IngestError` that names the file and
says what to do about it, so nothing half-read ever reaches the knowledge base.
"""

from __future__ import annotations

import codecs
import html
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from synclead.knowledge.models import DocumentKind

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
# A .docx is a zip: 20 MB of it can inflate to gigabytes of XML, so what it unpacks to has its own limit.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024

EXTENSIONS: dict[str, DocumentKind] = {
    ".md": DocumentKind.MARKDOWN,
    ".markdown": DocumentKind.MARKDOWN,
    ".txt": DocumentKind.TEXT,
    ".html": DocumentKind.HTML,
    ".htm": DocumentKind.HTML,
    ".pdf": DocumentKind.PDF,
    ".docx": DocumentKind.DOCX,
    ".csv": DocumentKind.LISTINGS,
    ".xlsx": DocumentKind.LISTINGS,
}
_TEXTUAL = {DocumentKind.MARKDOWN, DocumentKind.TEXT, DocumentKind.HTML, DocumentKind.LISTINGS}


class IngestError(ValueError):
    """A file that cannot be taken in, and why, in words for the person who sent it."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Section:
    """Text under one heading path; its lines are paragraphs or list items, each ending a sentence."""

    headings: tuple[str, ...]
    text: str


def supported(name: str) -> bool:
    return PurePath(name).suffix.lower() in EXTENSIONS


def detect_kind(name: str, data: bytes) -> DocumentKind:
    """The kind of document `data` is, from its extension, once its size and first bytes agree with it."""
    suffix = PurePath(name).suffix.lower()
    kind = EXTENSIONS.get(suffix)
    if kind is None:
        accepted = ", ".join(EXTENSIONS)
        hint = {".doc": " Save it as .docx in Word first.", ".xls": " Save it as .xlsx in Excel first."}.get(suffix, "")
        what = f"{suffix} files" if suffix else "files without an extension"
        raise IngestError(name, f"{what} are not supported (accepted: {accepted}).{hint}")
    if not data.strip():
        raise IngestError(name, "the file is empty.")
    if len(data) > MAX_BYTES:
        raise IngestError(name, f"the file is {len(data) / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB.")
    # The extension is only a claim: a renamed file should be refused here, in words, not by a parser's traceback.
    if kind is DocumentKind.PDF and b"%PDF-" not in data[:1024]:
        raise IngestError(name, "this is not a PDF file (it does not start like one). Was it renamed?")
    if kind is DocumentKind.DOCX and not data.startswith(b"PK\x03\x04"):
        raise IngestError(name, "this is not a Word .docx file. An old .doc must be saved as .docx first.")
    if suffix == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            raise IngestError(name, "this is not an Excel .xlsx file. An old .xls must be saved as .xlsx first.")
        return kind
    if kind in _TEXTUAL and _looks_binary(data):
        raise IngestError(name, f"this is not a text file, so it cannot be read as {suffix}.")
    return kind


def _looks_binary(data: bytes) -> bool:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in data[:8192] or data.startswith((b"%PDF-", b"PK\x03\x04"))


def decode_text(name: str, data: bytes) -> str:
    """Text from UTF-8 (with or without a BOM) or UTF-16 with a BOM; Windows-1252, what Excel and old Word write
    in France, is accepted with a warning. Newlines and Unicode forms are normalised."""
    return decode_with_encoding(name, data)[0]


def decode_with_encoding(name: str, data: bytes) -> tuple[str, str]:
    """As `decode_text`, with the encoding the bytes were read as ("UTF-8", "UTF-8 with BOM", "Windows-1252"…)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "UTF-16"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise IngestError(name, "the file says it is UTF-16 text but is not; save it as UTF-8.") from None
    else:
        encoding = "UTF-8 with BOM" if data.startswith(codecs.BOM_UTF8) else "UTF-8"
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise IngestError(name, "the text is neither UTF-8 nor Windows-1252; save it as UTF-8.") from None
            encoding = "Windows-1252"
            logger.warning("%s is not UTF-8; it was read as Windows-1252 (save it as UTF-8 to be sure)", name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # macOS writes accents decomposed: one form keeps "Modèle" findable whichever way it was typed.
    return unicodedata.normalize("NFC", text), encoding


def load_sections(name: str, data: bytes, kind: DocumentKind | None = None) -> list[Section]:
    """The text of a document, section by section. Listings CSVs are read by `listings.parse_listings` instead."""
    kind = kind or detect_kind(name, data)
    if kind is DocumentKind.MARKDOWN:
        sections = _markdown(decode_text(name, data))
    elif kind is DocumentKind.TEXT:
        sections = _plain(decode_text(name, data).split("\n"))
    elif kind is DocumentKind.HTML:
        sections = _html(decode_text(name, data))
    elif kind is DocumentKind.PDF:
        sections = _pdf(name, data)
    elif kind is DocumentKind.DOCX:
        sections = _docx(name, data)
    else:
        raise ValueError(f"{kind} documents are not read as sections")
    if not sections:
        raise IngestError(name, "there is no text in this file.")
    return sections


class SectionBuilder:
    """Collects blocks of text under the current heading path, as a document is walked from top to bottom."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self._path: list[tuple[int, str]] = []
        self._blocks: list[str] = []

    def heading(self, level: int, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            return
        self._flush()
        # A heading closes every heading at its level or deeper, and opens below the ones above it.
        self._path = [(lvl, title) for lvl, title in self._path if lvl < level] + [(level, text)]

    def block(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self._blocks.append(text)

    def extend(self, text: str) -> None:
        """Continue the last block (a paragraph's soft line break)."""
        text = " ".join(text.split())
        if self._blocks and text:
            self._blocks[-1] = f"{self._blocks[-1]} {text}"
        else:
            self.block(text)

    def pop_block(self) -> str:
        return self._blocks.pop() if self._blocks else ""

    def done(self) -> list[Section]:
        self._flush()
        return self.sections

    def _flush(self) -> None:
        if self._blocks:
            self.sections.append(Section(tuple(title for _, title in self._path), "\n".join(self._blocks)))
        self._blocks = []


# --- Plain text and text pulled out of PDFs: lines that were wrapped to a width, to be joined back ------------

_BULLET = re.compile(r"^(?:[-*+•‣◦▪●\u2013\u2014]|\d{1,3}[.)])\s+")
_ENDS_THOUGHT = re.compile(r"[.!?…:;]['\"»”\u2019)\]]*$")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:/|sur|of)\s*\d{1,4})?$", re.IGNORECASE)


def unwrap(lines: Iterable[str]) -> list[str]:
    """Paragraphs and list items from lines broken to fit a width.

    A line continues the one before when that one did not end a thought and either this line starts in lower
    case or the one before was long: a short line without a full stop is more likely a title or a list item.
    """
    blocks: list[str] = []
    open_block = False
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            open_block = False
            continue
        if bullet := _BULLET.match(line):
            blocks.append(line[bullet.end() :])
        elif open_block and _continues(blocks[-1], line):
            blocks[-1] = blocks[-1] + line if blocks[-1].endswith("-") else f"{blocks[-1]} {line}"
        else:
            blocks.append(line)
        open_block = True
    return [block for block in blocks if block]


def _continues(previous: str, line: str) -> bool:
    if _ENDS_THOUGHT.search(previous):
        return False
    return line[0].islower() or len(previous.split()) >= 8


def _plain(lines: list[str]) -> list[Section]:
    blocks = unwrap(lines)
    return [Section((), "\n".join(blocks))] if blocks else []


# --- Markdown: a small reader for what agencies write (CommonMark's blocks, inline syntax dropped) ---------------

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_QUOTE = re.compile(r"^ {0,3}>[ \t]?")
_TABLE_RULE = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+(?:[ \t]*:?-+:?[ \t]*)?$")
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n(?:---|\.\.\.)\n", re.DOTALL)

_INLINE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images: a caller cannot be shown a photo
    (re.compile(r"\[\^[^\]]+\]"), ""),  # footnote references
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"<((?:https?://|mailto:)[^>\s]+|[^>\s@]+@[^>\s]+)>"), r"\1"),
    (re.compile(r"</?[A-Za-z][^>]*>"), " "),
    (re.compile(r"(`+)(.+?)\1"), r"\2"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"\*(?=\S)(.+?)(?<=\S)\*"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
]
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
# Escaped characters are parked in the Private Use Area so that no pattern above mistakes them for syntax.
_PARKED = 0xE000


def strip_inline(text: str) -> str:
    """Markdown inline syntax removed, keeping the words a listener needs."""
    text = _ESCAPED.sub(lambda m: chr(_PARKED + ord(m.group(1))), text)
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    text = "".join(chr(ord(c) - _PARKED) if _PARKED <= ord(c) < _PARKED + 128 else c for c in text)
    return " ".join(html.unescape(text).split())


def _markdown(text: str) -> list[Section]:
    out = SectionBuilder()
    fence = ""
    open_block = ""  # "paragraph" or "item": what a soft line break continues
    for line in _FRONT_MATTER.sub("", text).split("\n"):
        if fence:
            if line.strip().startswith(fence):
                fence = ""
            else:
                out.block(line)  # code is kept line by line, as written
            continue
        while _QUOTE.match(line):
            line = _QUOTE.sub("", line, count=1)
        if fence_match := _FENCE.match(line):
            fence, open_block = fence_match.group(1), ""
            continue
        if not line.strip():
            open_block = ""
            continue
        if heading := _ATX.match(line):
            out.heading(len(heading.group(1)), strip_inline(heading.group(2) or ""))
            open_block = ""
        elif open_block == "paragraph" and (underline := _SETEXT.match(line)):
            out.heading(1 if underline.group(1)[0] == "=" else 2, out.pop_block())
            open_block = ""
        elif _RULE.match(line) or _LINK_DEFINITION.match(line) or ("|" in line and _TABLE_RULE.match(line)):
            open_block = ""
        elif line.lstrip().startswith("|"):
            cells = [strip_inline(cell) for cell in line.strip().strip("|").split("|")]
            out.block(", ".join(cell for cell in cells if cell))
            open_block = ""
        elif item := _ITEM.match(line):
            out.block(strip_inline(line[item.end() :]))
            open_block = "item"
        elif open_block:
            out.extend(strip_inline(line))
        else:
            out.block(strip_inline(line))
            open_block = "paragraph"
    return out.done()


# --- HTML: the page's text in reading order, h1-h6 as headings, no scripts, styles or navigation ---------------

_DROPPED_TAGS = ["script", "style", "nav", "noscript", "template", "svg", "head", "iframe", "button", "select"]
_BLOCK_TAGS = {
    *("p", "div", "section", "article", "main", "aside", "header", "footer", "address", "blockquote", "pre"),
    *("ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "caption", "figure", "figcaption"),
    *("form", "fieldset", "details", "summary", "hr", "br"),
}
_CELL_TAGS = {"td", "th"}
_END = object()  # marks, on the walk's stack, where a block element's children end


def _html(text: str) -> list[Section]:
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import PreformattedString

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all([*_DROPPED_TAGS]) + soup.find_all(attrs={"hidden": True}):
        tag.decompose()
    out = SectionBuilder()
    line: list[str] = []

    def end_line() -> None:
        out.block("".join(line))
        line.clear()

    # An explicit stack rather than recursion: a hostile page can nest tags deeper than Python's recursion limit.
    stack: list[object] = [soup]
    while stack:
        node = stack.pop()
        if node is _END:
            end_line()
        elif isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):  # comments, doctypes, CDATA
                line.append(str(node))
        elif isinstance(node, Tag):
            if node.name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                end_line()
                out.heading(int(node.name[1]), node.get_text(" "))
                continue
            if node.name in _CELL_TAGS and "".join(line).strip():
                line.append(", ")
            if node.name in _BLOCK_TAGS:
                end_line()
                stack.append(_END)
            stack.extend(reversed(node.contents))
    end_line()
    return out.done()


# --- PDF and Word ----------------------------------------------------------------------------------------------


def _pdf(name: str, data: bytes) -> list[Section]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = PdfReader(io.BytesIO(data))
        # Many PDFs are encrypted only against editing, with an empty password to open them.
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("a password is needed")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (FileNotDecryptedError, DependencyError):
        raise IngestError(name, "the PDF is password-protected. Save an unprotected copy and add that.") from None
    except Exception as exc:
        # pypdf fails on damaged files in many ways (its own errors, but also KeyError, ValueError, zlib...).
        raise IngestError(name, f"the PDF could not be read; it looks damaged ({exc}).") from exc
    if not pages:
        raise IngestError(name, "the PDF has no pages.")
    lines = [line for page in pages for line in page.split("\n") if not _PAGE_NUMBER.match(line.strip())]
    sections = _plain(lines)
    if not sections:
        raise IngestError(
            name, "the PDF has no text layer (scanned pages are images). Run OCR on it or add the text itself."
        )
    if blank := sum(1 for page in pages if not page.strip()):
        logger.warning("%s: %d of %d pages have no text (scanned images?) and were skipped", name, blank, len(pages))
    return sections


_HEADING_STYLE = re.compile(r"^(?:heading|titre)\s*(\d)$", re.IGNORECASE)


def _docx(name: str, data: bytes) -> list[Section]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise IngestError(name, "this is a zip archive but not a Word document.")
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise IngestError(name, "the document unpacks to more than 200 MB; split it into smaller files.")
    except zipfile.BadZipFile:
        raise IngestError(name, "the Word file is damaged (it is not a complete .docx archive).") from None

    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        out = SectionBuilder()
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    out.block(", ".join(_row_texts(row.cells)))
            elif (level := _heading_level(block)) is not None:
                out.heading(level, block.text)
            else:
                for line in block.text.split("\n"):
                    out.block(line)
        return out.done()
    except Exception as exc:
        # python-docx trusts the XML it is given; a damaged part fails with whatever lxml or a lookup raised.
        raise IngestError(name, f"the Word document could not be read; it looks damaged ({exc}).") from exc


def _row_texts(cells: Iterable[object]) -> list[str]:
    seen: list[object] = []
    texts: list[str] = []
    for cell in cells:
        # A merged cell comes back once per grid column it spans.
        if any(cell._tc is tc for tc in seen):  # type: ignore[attr-defined]
            continue
        seen.append(cell._tc)  # type: ignore[attr-defined]
        if text := " ".join(cell.text.split()):  # type: ignore[attr-defined]
            texts.append(text)
    return texts


def _heading_level(paragraph: object) -> int | None:
    style = getattr(paragraph, "style", None)
    # A custom style ("Agency heading") is usually based on a built-in heading: its ancestry tells the level.
    for _ in range(4):
        if style is None:
            return None
        style_name = (style.name or "").strip()
        if style_name.lower() in ("title", "titre"):
            return 0
        if match := _HEADING_STYLE.match(style_name):
            return int(match.group(1))
        style = style.base_style
    return None
