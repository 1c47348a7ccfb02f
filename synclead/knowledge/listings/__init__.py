"""Listings from an agency's export (CSV or Excel): rows to filter on, and one sentence each for the agent to say.

`values` reads one cell, `columns` decides which field each column gives (header, units, values, a mapping),
`tables` reads CSV and .xlsx files, `reading` turns rows into `ParsedListing`s, `sentences` says them.
"""

from synclead.knowledge.listings.columns import FIELDS, IGNORE, ColumnReading, MappingError, parse_mapping
from synclead.knowledge.listings.reading import ListingImport, ParsedListing, parse_listings, read_listings
from synclead.knowledge.listings.sentences import describe
from synclead.knowledge.listings.values import ValueProblem, parse_amount

__all__ = [
    "FIELDS",
    "IGNORE",
    "ColumnReading",
    "ListingImport",
    "MappingError",
    "ParsedListing",
    "ValueProblem",
    "describe",
    "parse_amount",
    "parse_listings",
    "parse_mapping",
    "read_listings",
]
