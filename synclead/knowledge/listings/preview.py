"""A listings import shown before it happens: each column with the field it gives and why, and the first listings
as they would be stored. `synclead ingest --dry-run` prints it; the dashboard's preview page shows the same rows."""

from __future__ import annotations

from django.utils.translation import gettext as _

from synclead.knowledge.listings.reading import ListingImport, ParsedListing

PREVIEW_ROWS = 5


def preview(reading: ListingImport, rows: int = PREVIEW_ROWS) -> str:
    """How each column was understood, and the first listings as they would be stored, as aligned text."""
    # Outside the f-string: makemessages (xgettext) does not look inside one.
    read_as = _("read as")
    lines = [f"  {read_as} {reading.source}", ""]
    columns = [(column.header or "—", column.field or _("(not used)"), column.why) for column in reading.columns]
    lines += _aligned([(_("column"), _("field"), _("why")), *columns])
    shown = reading.listings[:rows]
    if shown:
        lines += [
            "",
            "  "
            + _("first %(count)d of %(total)d listings as they would be stored:")
            % {"count": len(shown), "total": len(reading.listings)},
            "",
        ]
        lines += _aligned([ROW_HEADINGS, *(row_cells(listing) for listing in shown)])
    return "\n".join(lines) + "\n"


ROW_HEADINGS = (
    "",
    "reference",
    "kind",
    "type",
    "city",
    "district",
    "rooms",
    "bedrooms",
    "m²",
    "price €",
    "charges €",
    "available",
    "features",
)


def row_cells(listing: ParsedListing) -> tuple[str, ...]:
    """A listing's stored values as text, in `ROW_HEADINGS` order."""

    def shown(value: object) -> str:
        return "—" if value is None or value == "" else f"{value:g}" if isinstance(value, float) else str(value)

    if not listing.available:
        availability = "taken"
    else:
        availability = listing.available_from.isoformat() if listing.available_from else "now"
    return (
        listing.where,
        listing.reference,
        listing.kind,
        shown(listing.property_type),
        listing.city,
        shown(listing.district or listing.postal_code),
        shown(listing.rooms),
        shown(listing.bedrooms),
        shown(listing.surface_m2),
        str(listing.price),
        shown(listing.charges),
        availability,
        shown("; ".join(listing.features)),
    )


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
