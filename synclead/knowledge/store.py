"""The agent's `Knowledge`, bound to one organization and answered from its own database rows.

The call engine is asyncio; Django's ORM is synchronous. Every lookup runs in a worker thread
(`thread_sensitive=False`), so a search for one call never waits behind another call's, nor blocks the event
loop that paces every call's audio.
"""

from __future__ import annotations

from datetime import date

from asgiref.sync import sync_to_async
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce

from synclead.agent.knowledge import Listing, ListingCriteria, Passage
from synclead.knowledge import areas, retrieval
from synclead.knowledge.lexical import fold
from synclead.knowledge.models import Listing as StoredListing  # `Listing` here is what the agent is handed

# A feature as a caller or the model names it, in either language, and the words a listing may use for it.
_FEATURE_SYNONYMS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split(","))
    for group in (
        "balcony,balcon,balconies,balcons",
        "terrace,terrasse,roof terrace,toit terrasse",
        "lift,elevator,ascenseur",
        "parking,garage,car park,parking space,place de parking,box",
        "cellar,cave,storage,basement",
        "furnished,meuble,meublee",
        "garden,jardin",
        "concierge,gardien,gardienne,doorman,caretaker",
        "fireplace,cheminee",
        "air conditioning,climatisation,clim,air conditioned",
        "dishwasher,lave vaisselle",
        "washing machine,lave linge",
        "view,vue",
        "quiet,calme",
        "bright,lumineux,lumineuse",
    )
)


def _feature_words(feature: str) -> frozenset[str]:
    wanted = fold(feature).replace("-", " ").strip()
    for group in _FEATURE_SYNONYMS:
        if wanted in group:
            return group
    return frozenset({wanted})


def _has_feature(row: StoredListing, feature: str) -> bool:
    haystack = " " + fold(" ".join([*map(str, row.features or []), row.description])).replace("-", " ") + " "
    return any(f" {word}" in haystack for word in _feature_words(feature))


def _monthly_total() -> Case:
    # What a tenant pays each month is rent plus charges; a caller's budget means that, not the bare rent.
    return Case(
        When(kind="rent", then=F("price") + Coalesce(F("charges"), Value(0))),
        default=F("price"),
        output_field=IntegerField(),
    )


def listing_queryset(organization_id: int, criteria: ListingCriteria) -> QuerySet[StoredListing]:
    """Available listings of one organization passing every criterion SQL can check, cheapest first."""
    rows = StoredListing.objects.filter(organization_id=organization_id, available=True)
    rows = rows.annotate(total=_monthly_total())
    if criteria.kind:
        rows = rows.filter(kind=criteria.kind)
    if criteria.min_rooms is not None:
        rows = rows.filter(rooms__gte=criteria.min_rooms)
    if criteria.min_bedrooms is not None:
        rows = rows.filter(bedrooms__gte=criteria.min_bedrooms)
    if criteria.min_surface_m2 is not None:
        rows = rows.filter(surface_m2__gte=criteria.min_surface_m2)
    if criteria.max_price is not None:
        rows = rows.filter(total__lte=criteria.max_price)
    return rows.order_by("total", "reference")


def _available(row: StoredListing, today: date) -> str:
    if row.available_from and row.available_from > today:
        return row.available_from.isoformat()
    return "now"


def to_listing(row: StoredListing, today: date | None = None) -> Listing:
    return Listing(
        reference=row.reference,
        kind=row.kind,  # type: ignore[arg-type]
        city=row.city,
        district=row.district,
        rooms=row.rooms,
        bedrooms=row.bedrooms,
        surface_m2=row.surface_m2,
        price=row.price,
        charges=row.charges,
        available=_available(row, today or date.today()),
        features=tuple(str(feature) for feature in row.features or ()),
        description=row.description,
    )


def find_listings(organization_id: int, criteria: ListingCriteria, limit: int = 3) -> list[Listing]:
    """Available listings matching every criterion, cheapest first (rent compared with charges included)."""
    found: list[Listing] = []
    # Area and features are matched in Python (said many ways in two languages); an agency lists hundreds of
    # properties at most, so reading the rows SQL kept is cheap.
    for row in listing_queryset(organization_id, criteria).iterator(chunk_size=200):
        if criteria.area and not areas.matches(criteria.area, row.district, row.city):
            continue
        if not all(_has_feature(row, feature) for feature in criteria.features):
            continue
        found.append(to_listing(row))
        if len(found) >= limit:
            break
    return found


class OrganizationKnowledge:
    """What one organization's agent can look up. Nothing it is asked can reach another organization's rows."""

    def __init__(self, organization_id: int) -> None:
        self.organization_id = organization_id

    async def search(self, query: str, language: str, limit: int = 3) -> list[Passage]:
        result = await self.search_result(query, language, limit)
        return result.passages

    async def search_result(self, query: str, language: str, limit: int = 3) -> retrieval.SearchResult:
        """As `search`, with each list's ranks and the best raw cosine, for judging confidence."""
        return await sync_to_async(retrieval.search_result, thread_sensitive=False)(
            self.organization_id, query, language, limit
        )

    async def search_listings(self, criteria: ListingCriteria, limit: int = 3) -> list[Listing]:
        return await sync_to_async(find_listings, thread_sensitive=False)(self.organization_id, criteria, limit)
