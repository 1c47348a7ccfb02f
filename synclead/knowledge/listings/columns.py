"""Which field each column of an export gives, from its header and, when the header is not enough, its values.

Real exports name things their own way: `rent_eur_month`, "Prix (€)", "Surface (m²)", "Pièces", and a `type` column
that holds "apartment" in one agency's file and "rent" in another's. A header is compared without accents, case or
units; a header that could mean two things (`type`, `kind`, `category`) is decided by what its cells hold; a column
with an unknown header is recognised by its values when they are all rent/sale words or property types. A mapping
given by the person importing (`--map COLUMN=FIELD`, or the dashboard's form) overrides all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from synclead.knowledge.listings import values
from synclead.knowledge.listings.values import Cell, key

IGNORE = "ignore"

# Every field a column can give, with what it means (for `--map` errors and the dashboard's mapping form).
FIELDS: dict[str, object] = {
    "reference": gettext_lazy("the agency's reference"),
    "kind": gettext_lazy("rent or sale"),
    "property_type": gettext_lazy("apartment, house, studio, T2…"),
    "city": gettext_lazy("city"),
    "district": gettext_lazy("district or arrondissement"),
    "postal_code": gettext_lazy("postcode"),
    "rooms": gettext_lazy("number of rooms"),
    "bedrooms": gettext_lazy("number of bedrooms"),
    "surface_m2": gettext_lazy("surface in m²"),
    "price": gettext_lazy("price: the rent or the sale price, as the kind says"),
    "rent": gettext_lazy("monthly rent without charges"),
    "sale_price": gettext_lazy("sale price"),
    "charges": gettext_lazy("monthly charges"),
    "available_from": gettext_lazy("date available, or now / let / sold"),
    "status": gettext_lazy("available, let, sold…"),
    "features": gettext_lazy("features, separated by ; or |"),
    "description": gettext_lazy("description"),
    IGNORE: gettext_lazy("not used"),
}
PRICE_FIELDS = ("price", "rent", "sale_price")

# Field → header names, as `values.key` writes them (lower case, no accents, words joined by "_").
HEADERS: dict[str, tuple[str, ...]] = {
    "reference": (
        *("reference", "ref", "reference_annonce", "ref_annonce", "listing_reference", "listing_id", "listing_ref"),
        *("id", "mandat", "numero_de_mandat", "num_mandat", "mandate"),
    ),
    "kind": ("transaction", "offer", "offre", "type_de_transaction", "type_transaction", "type_offre", "listing_kind"),
    "property_type": (
        *("property", "property_type", "bien", "type_de_bien", "type_bien", "typologie", "type_logement"),
        *("type_de_logement", "housing_type", "building_type"),
    ),
    "city": ("city", "ville", "town", "commune", "localite", "locality"),
    "district": ("district", "quartier", "arrondissement", "neighbourhood", "neighborhood", "area", "secteur", "zone"),
    "postal_code": ("postal_code", "code_postal", "cp", "postcode", "post_code", "zip", "zip_code", "zipcode"),
    "rooms": ("rooms", "pieces", "nb_pieces", "nombre_de_pieces", "nb_rooms", "number_of_rooms", "room_count"),
    "bedrooms": ("bedrooms", "chambres", "nb_chambres", "nombre_de_chambres", "beds", "number_of_bedrooms"),
    "surface_m2": (
        *("surface", "surface_m2", "area_m2", "size_m2", "m2", "superficie", "surface_habitable", "living_area"),
        *("living_space", "floor_area", "size"),
    ),
    "price": ("price", "prix", "amount", "montant"),
    "rent": (
        *("rent", "loyer", "monthly_rent", "loyer_mensuel", "loyer_hc", "loyer_hors_charges", "rent_price"),
        *("rental_price", "rent_excluding_charges"),
    ),
    "sale_price": (
        *("sale_price", "prix_de_vente", "prix_vente", "asking_price", "selling_price", "sales_price", "price_sale"),
        *("prix_fai", "prix_net"),
    ),
    "charges": ("charges", "monthly_charges", "charges_mensuelles", "provision_sur_charges", "service_charges"),
    "available_from": (
        *("available_from", "available", "availability", "available_on", "disponible", "disponibilite"),
        *("disponible_le", "disponible_a_partir_du", "date_de_disponibilite", "date_available", "move_in", "dispo"),
    ),
    "status": ("status", "statut", "etat"),
    "features": ("features", "equipements", "amenities", "atouts", "prestations", "options", "equipment"),
    "description": ("description", "descriptif", "details", "texte", "text", "annonce"),
}
_FIELD_BY_HEADER = {alias: field for field, aliases in HEADERS.items() for alias in aliases}
# Headers that name a kind in one export and a property type in another; their cells decide.
AMBIGUOUS = frozenset(("type", "kind", "category", "categorie", "nature", "genre", "listing_type", "type_annonce"))
# Words a header carries as its unit; a monthly unit makes a price a rent ("price_eur_month").
_UNITS = frozenset(("eur", "euro", "euros", "m2", "sqm", "sq", "m", "en", "in", "ttc", "per", "par"))
_MONTHLY = frozenset(("month", "mois", "mensuel", "mensuelle", "monthly", "pm", "mo"))
# Share of a column's filled cells that must be property types for the column to be read as them.
PROPERTY_TYPE_SHARE = 0.8

Source = Literal["map", "header", "values", "unused"]


@dataclass(frozen=True, slots=True)
class ColumnReading:
    """How one column is understood: the field it gives (None: not used) and why, in words."""

    index: int
    header: str
    field: str | None
    source: Source
    why: str


class MappingError(ValueError):
    """A `COLUMN=FIELD` that cannot be used; the message lists what can."""


def field_list() -> str:
    return ", ".join(FIELDS)


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """`["Prix=sale_price", "Agent=ignore"]` → `{"Prix": "sale_price", "Agent": "ignore"}`, checked."""
    mapping: dict[str, str] = {}
    for item in items:
        column, equals, field = item.rpartition("=")
        column, field = column.strip(), field.strip().lower()
        if not equals or not column:
            raise MappingError(_("%(item)r is not COLUMN=FIELD, e.g. 'Prix FAI=sale_price'.") % {"item": item})
        check_field(field)
        mapping[column] = field
    return mapping


def check_field(field: str) -> None:
    if field not in FIELDS:
        raise MappingError(
            _("%(field)r is not a field. The fields are: %(fields)s.") % {"field": field, "fields": field_list()}
        )


def header_field(header: str) -> tuple[str | None, str]:
    """The field a header names on its own, and why; ("", why) for an ambiguous header, None for an unknown one."""
    full = key(header)
    if full in _FIELD_BY_HEADER:
        return _FIELD_BY_HEADER[full], _("header")
    if full in AMBIGUOUS:
        return "", ""
    words = full.split("_")
    monthly = any(word in _MONTHLY for word in words)
    # Units trail the name ("rent_eur_month", "prix_en_eur"): drop them one by one from the end, looking each time,
    # so a name that holds such a word ("move_in") is still found whole.
    bare, field = full, None
    while field is None and words and (words[-1] in _UNITS or words[-1] in _MONTHLY):
        words.pop()
        bare = "_".join(words)
        if bare in AMBIGUOUS:
            return "", ""
        field = _FIELD_BY_HEADER.get(bare)
    if field is None:
        return None, ""
    if field == "district" and any(word in ("m2", "sqm", "sq") for word in full.split("_")):
        return "surface_m2", _("header %(bare)r with its unit") % {"bare": bare}  # "area_sqm"
    if field == "price" and monthly:
        return "rent", _("header %(bare)r, a monthly amount") % {"bare": bare}
    return field, _("header %(bare)r with its unit") % {"bare": bare}


def read_columns(
    header: Sequence[str], columns: Sequence[Sequence[Cell]], mapping: Mapping[str, str] | None = None
) -> tuple[list[ColumnReading], list[str]]:
    """Each column's reading, and the problems that stop the file being imported (two columns for one field, a
    field no column gives). `columns[i]` holds column i's cells. Raises `MappingError` for a mapping that names a
    column the file does not have."""
    mapping = dict(mapping or {})
    by_key = {key(title): index for index, title in enumerate(header)}
    chosen: dict[int, str] = {}
    for column, field in mapping.items():
        check_field(field)
        index = header.index(column) if column in header else by_key.get(key(column))
        if index is None:
            titles = ", ".join(repr(title) for title in header if title)
            raise MappingError(
                _("the mapping names column %(column)r, which is not in this file; its columns are %(titles)s.")
                % {"column": column, "titles": titles}
            )
        chosen[index] = field

    readings: dict[int, ColumnReading] = {}
    undecided: list[int] = []
    unknown: list[int] = []
    for index, title in enumerate(header):
        if index in chosen:
            field = chosen[index]
            readings[index] = ColumnReading(
                index, title, None if field == IGNORE else field, "map", _("mapped to %(field)s") % {"field": field}
            )
        elif not title.strip():
            readings[index] = ColumnReading(index, title, None, "unused", _("no header"))
        else:
            field, why = header_field(title)
            if field:
                readings[index] = ColumnReading(index, title, field, "header", why)
            elif field == "":
                undecided.append(index)
            else:
                unknown.append(index)

    def taken(field: str) -> bool:
        return any(reading.field == field for reading in readings.values())

    for index in undecided:
        readings[index] = _by_values(index, header[index], columns[index], taken)
    for index in unknown:
        readings[index] = _by_values_alone(index, header[index], columns[index], taken)
    ordered = [readings[index] for index in range(len(header))]
    _settle_prices(ordered)
    return ordered, _problems(ordered)


def _share(cells: Sequence[Cell]) -> tuple[int, int, int]:
    """(filled cells, rent/sale words among them, property types among them)."""
    filled = [cell for cell in cells if values.as_text(cell)]
    kinds = sum(values.kind_of(cell) is not None for cell in filled)
    types = sum(values.is_property_type(cell) for cell in filled)
    return len(filled), kinds, types


def _by_values(index: int, title: str, cells: Sequence[Cell], taken: Callable[[str], bool]) -> ColumnReading:
    filled, kinds, types = _share(cells)
    counts = {"kinds": kinds, "types": types, "filled": filled}
    # What the cells say wins even over a field another column gives: two columns for it are then named together.
    if types > kinds:
        why = _("values: %(types)d of %(filled)d are property types") % counts
        return ColumnReading(index, title, "property_type", "values", why)
    if kinds:
        why = _("values: %(kinds)d of %(filled)d say rent or sale") % counts
        return ColumnReading(index, title, "kind", "values", why)
    # Nothing recognised: the header's first meaning, so each cell's problem is named rather than the column lost.
    if not taken("kind"):
        return ColumnReading(index, title, "kind", "header", _("header; no value says rent or sale"))
    if not taken("property_type"):
        return ColumnReading(index, title, "property_type", "header", _("header; the kind comes from another column"))
    return ColumnReading(index, title, None, "unused", _("kind and property type come from other columns"))


def _by_values_alone(index: int, title: str, cells: Sequence[Cell], taken: Callable[[str], bool]) -> ColumnReading:
    filled, kinds, types = _share(cells)
    counts = {"kinds": kinds, "types": types, "filled": filled}
    if filled and kinds == filled and not taken("kind"):
        why = _("values: %(kinds)d of %(filled)d say rent or sale") % counts
        return ColumnReading(index, title, "kind", "values", why)
    if filled and types >= PROPERTY_TYPE_SHARE * filled and not taken("property_type"):
        why = _("values: %(types)d of %(filled)d are property types") % counts
        return ColumnReading(index, title, "property_type", "values", why)
    return ColumnReading(index, title, None, "unused", _("header not recognised"))


def _settle_prices(readings: list[ColumnReading]) -> None:
    """A plain "price" beside a rent column is the sale price: `rent_eur_month` and `price_eur` side by side."""
    fields = [reading.field for reading in readings]
    if fields.count("price") == 1 and "rent" in fields and "sale_price" not in fields:
        at = fields.index("price")
        rent = readings[fields.index("rent")].header
        reading = readings[at]
        if reading.source != "map":
            why = _("%(why)s, beside the rent column %(rent)r") % {"why": reading.why, "rent": rent}
            readings[at] = ColumnReading(reading.index, reading.header, "sale_price", reading.source, why)


def _problems(readings: list[ColumnReading]) -> list[str]:
    problems: list[str] = []
    first: dict[str, ColumnReading] = {}
    for reading in readings:
        if reading.field is None:
            continue
        if reading.field in first:
            problems.append(
                _(
                    "columns %(first)r and %(second)r both give the %(field)s; map one of them to another field "
                    "or to 'ignore'."
                )
                % {"first": first[reading.field].header, "second": reading.header, "field": reading.field}
            )
        else:
            first[reading.field] = reading
    prices = [field for field in PRICE_FIELDS if field in first]
    if len(prices) > 1 and "price" in prices:
        names = " and ".join(repr(first[field].header) for field in prices)
        problems.append(
            _("columns %(names)s both give a price; map the plain one to 'rent' or 'sale_price'.") % {"names": names}
        )
    missing = [field for field in ("reference", "city") if field not in first]
    if not prices:
        missing.append("price")
    if "kind" not in first and not ({"rent", "sale_price"} & set(prices)):
        missing.append("kind")
    if missing:
        names = ", ".join(
            f"{field} ({' / '.join(HEADERS[field][:3] if field != 'kind' else ('kind', 'type', 'transaction'))})"
            for field in missing
        )
        problems.append(_("this is not a listings file: there is no column for %(names)s.") % {"names": names})
    return problems
