"""The built-in demo agency, so a fresh install has someone to call."""

from __future__ import annotations

from synclead.web.organizations.management.commands.org import add_organization
from synclead.web.organizations.models import Organization

DEMO_FACTS = {
    "en": (
        "Agence Lumière is a real-estate agency at 12 rue des Martyrs, 75009 Paris. "
        "We are open Monday to Friday from 9 am to 7 pm, and Saturday from 10 am to 5 pm; we are closed on Sunday. "
        "Our services are rentals, sales, free valuations and property management. "
        "Our rental fees are 12 euros per square metre for the tenant, plus 3 euros per square metre for the "
        "inventory of fixtures. For a sale, our commission is 4 percent of the price, paid by the seller."
    ),
    "fr": (
        "L'Agence Lumière est une agence immobilière située 12 rue des Martyrs, 75009 Paris. "
        "Nous sommes ouverts du lundi au vendredi de 9 h à 19 h, et le samedi de 10 h à 17 h ; "
        "nous sommes fermés le dimanche. "
        "Nos services : location, vente, estimation gratuite et gestion locative. "
        "Nos honoraires de location sont de 12 euros par mètre carré pour le locataire, plus 3 euros par mètre "
        "carré pour l'état des lieux. Pour une vente, notre commission est de 4 % du prix, à la charge du vendeur."
    ),
}
DEMO_HOURS = {day: [["09:00", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [["10:00", "17:00"]]}

# Two desks of one agency, named apart so that a switcher or a filter can tell them apart (the dashboard also shows
# each organization's language beside its name).
DEMO_ORGS = [
    {
        "slug": "demo",
        "name": "Agence Lumière International",
        "numbers": ["+33142685300"],
        "language": "en",
        "greeting": "Hello, you have reached Agence Lumière International, real estate in Paris.",
    },
    {
        "slug": "demo-fr",
        "name": "Agence Lumière Paris",
        "numbers": ["+33142685301"],
        "language": "fr",
        "greeting": "Bonjour, vous êtes bien à l'Agence Lumière Paris, l'immobilier au cœur du 9e arrondissement.",
    },
]


def ensure_demo_organizations() -> list[Organization]:
    orgs = []
    for o in DEMO_ORGS:
        org = add_organization(
            o["slug"], o["name"], o["numbers"], o["language"], o["greeting"], DEMO_FACTS[o["language"]]
        )[0]
        if not org.business_hours:
            org.business_hours = DEMO_HOURS
            org.save(update_fields=["business_hours"])
        orgs.append(org)
    return orgs
