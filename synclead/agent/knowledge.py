"""What the agent can look up about the business it answers for: passages of its documents, and its listings.

The agent sees this protocol only; `synclead.knowledge` implements it over the organization's own database rows.
An instance is bound to one organization: nothing the caller says can reach another's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

ListingKind = Literal["rent", "sale"]


@dataclass(frozen=True, slots=True)
class Passage:
    document: str
    text: str
    score: float
    heading: str = ""
    position: int = 0


@dataclass(frozen=True, slots=True)
class ListingCriteria:
    kind: ListingKind | None = None
    area: str | None = None  # a district, arrondissement ("9e", "ninth"), or city
    min_rooms: int | None = None
    min_bedrooms: int | None = None
    max_price: int | None = None  # euros: monthly rent including charges, or sale price
    min_surface_m2: float | None = None
    features: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Listing:
    reference: str
    kind: ListingKind
    city: str
    district: str
    rooms: int | None
    bedrooms: int | None
    surface_m2: float | None
    price: int  # monthly rent (without charges) or sale price, euros
    charges: int | None = None
    available: str = ""
    features: tuple[str, ...] = field(default_factory=tuple)
    description: str = ""


class Knowledge(Protocol):
    async def search(self, query: str, language: str, limit: int = 3) -> list[Passage]:
        """The passages that best answer `query`, best first, with fused scores."""
        ...

    async def search_listings(self, criteria: ListingCriteria, limit: int = 3) -> list[Listing]:
        """Available listings matching every criterion given, cheapest first."""
        ...
