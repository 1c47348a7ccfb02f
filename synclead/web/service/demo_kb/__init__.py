"""The demo agency's knowledge base: Agence Lumière's documents (English and French) and its listings.

Some facts are written only in English (opening hours, viewings) and some only in French (fee schedule, tenant's
file), as a real agency's documents are, so the demo shows answers found across languages.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from synclead.knowledge.ingest import IngestResult

DEMO_KB_DIR = Path(__file__).resolve().parent


def demo_files() -> list[Path]:
    return sorted(path for path in DEMO_KB_DIR.iterdir() if path.suffix in {".md", ".csv"})


def ensure_demo_knowledge() -> dict[str, list[IngestResult]]:
    """Ingest the demo knowledge base for the `demo` and `demo-fr` organizations (creating them if needed).

    Idempotent: files already stored with the same bytes are left as they are, so running it at every
    `synclead demo` costs a few queries.
    """
    # Imported here: the questions and files of this package are read by tools that never set up Django.
    from synclead.knowledge.ingest import ingest_paths
    from synclead.web.organizations.models import Organization
    from synclead.web.service.demo import DEMO_ORGS, ensure_demo_organizations

    slugs = [org["slug"] for org in DEMO_ORGS]
    organizations = {org.slug: org for org in Organization.objects.filter(slug__in=slugs)}
    if len(organizations) < len(slugs):
        organizations = {org.slug: org for org in ensure_demo_organizations()}
    return {slug: ingest_paths(organizations[slug], demo_files()) for slug in slugs}
