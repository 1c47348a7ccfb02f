"""An export file → a header and rows of cells, each row knowing where it was (CSV line, spreadsheet row).

A CSV is decoded (UTF-8 with or without BOM, UTF-16, Windows-1252 from French Excel) and its separator sniffed
(`,` `;` tab `|`); an .xlsx is read with openpyxl (values, not formulas; defusedxml guards its XML), first sheet
with content. Cells keep what the file holds: text from a CSV, numbers and dates from Excel.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from synclead.knowledge.listings.values import Cell, as_text
from synclead.knowledge.loaders import MAX_UNZIPPED_BYTES, IngestError, decode_with_encoding

MAX_ROWS = 20_000  # an agency lists hundreds of properties; more is a wrong file, not a bigger agency
MAX_COLUMNS = 200
_DELIMITERS = ";,\t|"
_DELIMITER_NAMES = {";": "';'", ",": "','", "\t": "tab", "|": "'|'"}


@dataclass(frozen=True, slots=True)
class Row:
    where: str  # "line 7" in a CSV, "row 14" in a spreadsheet
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    source: str  # how the file was read, for the person importing it
    problems: tuple[str, ...] = ()  # rows that cannot even be cut into cells
    letters: bool = False  # spreadsheet columns have letters

    def column(self, index: int) -> list[Cell]:
        return [row.cells[index] if index < len(row.cells) else None for row in self.rows]

    def column_label(self, index: int) -> str:
        label = _("column %(header)r") % {"header": self.header[index]}
        return f"{label} ({_letter(index)})" if self.letters else label


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def read_table(name: str, data: bytes) -> Table:
    if data.startswith(b"PK\x03\x04"):
        return _xlsx(name, data)
    return _csv(name, data)


def _blank(cells: tuple[Cell, ...] | list[str]) -> bool:
    return not any(as_text(cell) for cell in cells)


# --- CSV ----------------------------------------------------------------------------------------------------------


def sniff_delimiter(text: str) -> str:
    """The separator of a CSV: `csv.Sniffer` on the first lines, checked against the header, which is plain words
    in every export (amounts like "1 250,50" in a `;` file mislead a count over the whole sample)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return ","
    header = lines[0]
    by_header = max(_DELIMITERS, key=header.count)
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return by_header
    return sniffed if header.count(sniffed) >= header.count(by_header) else by_header


def _csv(name: str, data: bytes) -> Table:
    text, encoding = decode_with_encoding(name, data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    problems: list[str] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if _blank(cells):
                continue
            if header is None:
                header = [" ".join(cell.split()) for cell in cells]
                _check_width(name, len(header))
                continue
            where = _("line %(line)d") % {"line": reader.line_num}
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                problems.append(
                    _("%(where)s: %(count)d values for %(columns)d columns (a stray %(separator)s?).")
                    % {"where": where, "count": len(cells), "columns": len(header), "separator": delimiter}
                )
                continue
            rows.append(Row(where, tuple(cells[: len(header)])))
            if len(rows) > MAX_ROWS:
                raise IngestError(name, _("there are more than %(max)d rows; split the file.") % {"max": MAX_ROWS})
    except csv.Error as exc:
        raise IngestError(
            name, _("line %(line)d: the CSV is malformed (%(error)s).") % {"line": reader.line_num, "error": exc}
        ) from exc
    if header is None:
        raise IngestError(name, _("the file is empty."))
    source = _("CSV, %(separator)s separated, %(encoding)s") % {
        "separator": _DELIMITER_NAMES[delimiter],
        "encoding": encoding,
    }
    return Table(tuple(header), tuple(rows), source, tuple(problems))


def _check_width(name: str, width: int) -> None:
    if width > MAX_COLUMNS:
        too_wide = _("there are more than %(max)d columns; is this a listings file?") % {"max": MAX_COLUMNS}
        raise IngestError(name, too_wide)


# --- Excel --------------------------------------------------------------------------------------------------------


def _xlsx(name: str, data: bytes) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise IngestError(name, _("this is a zip archive but not an Excel workbook."))
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise IngestError(name, _("the workbook unpacks to more than 200 MB; split it into smaller files."))
    except zipfile.BadZipFile:
        raise IngestError(name, _("the Excel file is damaged (it is not a complete .xlsx archive).")) from None

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        # openpyxl trusts the XML it is given; a damaged part fails with whatever the parser or a lookup raised.
        damaged = _("the Excel file could not be read; it looks damaged (%(error)s).") % {"error": exc}
        raise IngestError(name, damaged) from exc
    try:
        for sheet in workbook.worksheets:
            table = _sheet(name, sheet.title, sheet.iter_rows(values_only=True))
            if table is not None:
                return table
    finally:
        workbook.close()
    raise IngestError(name, _("the file is empty."))


def _sheet(name: str, title: str, rows_of: Iterable[tuple[Cell, ...]]) -> Table | None:
    header: list[str] | None = None
    rows: list[Row] = []
    for number, values in enumerate(rows_of, start=1):
        cells = tuple(values)
        if _blank(cells):
            continue
        if header is None:
            header = [as_text(cell) for cell in cells]
            while header and not header[-1]:
                header.pop()  # formatting reaches further right than the data
            _check_width(name, len(header))
            continue
        rows.append(Row(_("row %(row)d") % {"row": number}, cells[: len(header)]))
        if len(rows) > MAX_ROWS:
            raise IngestError(name, _("there are more than %(max)d rows; split the file.") % {"max": MAX_ROWS})
    if header is None:
        return None
    return Table(tuple(header), tuple(rows), _("Excel sheet %(sheet)r") % {"sheet": title}, letters=True)
