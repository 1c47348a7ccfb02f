"""The built-in demo agency, so a fresh install has someone to call."""

from __future__ import annotations

from synclead.web.organizations.management.commands.org import add_organization
from synclead.web.organizations.models import Organization

DEMO_FACTS = """\
Agence Lumière is a real-estate agency at 12 rue des Martyrs, 75009 Paris.
Opening hours: Monday to Friday 9:00 to 19:00, Saturday 10:00 to 17:00, closed on Sunday.
Services: rentals, sales, free valuations, property management.
Rental fees: 12 euros per square metre for the tenant, as French law caps them in Paris.
"""

DEMO_ORGS = [
    {
        "slug": "demo",
        "name": "Agence Lumière",
        "numbers": ["+33142685300"],
        "language": "en",
        "greeting": "Hello, you have reached Agence Lumière, real estate in Paris.",
    },
    {
        "slug": "demo-fr",
        "name": "Agence Lumière",
        "numbers": ["+33142685301"],
        "language": "fr",
        "greeting": "Bonjour, vous êtes bien à l'Agence Lumière, l'immobilier à Paris.",
    },
]


def ensure_demo_organizations() -> list[Organization]:
    return [
        add_organization(o["slug"], o["name"], o["numbers"], o["language"], o["greeting"], DEMO_FACTS)[0]
        for o in DEMO_ORGS
    ]
