"""`synclead org add SLUG --name NAME --number E164 [--language en|fr]` and `synclead org list`."""

from __future__ import annotations

import phonenumbers
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from synclead.web.organizations.models import Language, Organization, PhoneNumber


def normalize_number(raw: str) -> str:
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as exc:
        raise CommandError(f"{raw!r} is not a phone number in international form (+33…): {exc}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise CommandError(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def add_organization(
    slug: str, name: str, numbers: list[str], language: str = "en", greeting: str = "", facts: str = ""
) -> tuple[Organization, bool]:
    """Create or update an organization and attach its numbers. Idempotent."""
    e164s = [normalize_number(n) for n in numbers]
    with transaction.atomic():
        org, created = Organization.objects.get_or_create(slug=slug, defaults={"name": name, "language": language})
        org.name, org.language = name, language
        if greeting:
            org.greeting = greeting
        if facts:
            org.facts = facts
        org.full_clean()
        org.save()
        for number in e164s:
            taken = PhoneNumber.objects.filter(number=number).exclude(organization=org).first()
            if taken is not None:
                raise CommandError(f"{number} already belongs to {taken.organization.slug}")
            PhoneNumber.objects.get_or_create(number=number, defaults={"organization": org})
    return org, created


class Command(BaseCommand):
    help = "Manage the organizations SYNCLEAD answers for."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Create or update an organization (idempotent).")
        add.add_argument("slug")
        add.add_argument("--name", required=True)
        add.add_argument("--number", action="append", required=True, help="E.164, may be repeated")
        add.add_argument("--language", choices=[c.value for c in Language], default="en")
        add.add_argument("--greeting", default="")
        sub.add_parser("list", help="List organizations and their numbers.")

    def handle(self, *args, **options) -> None:
        if options["action"] == "list":
            for org in Organization.objects.prefetch_related("numbers"):
                numbers = ", ".join(n.number for n in org.numbers.all())
                self.stdout.write(f"{org.slug}\t{org.language}\t{org.name}\t{numbers}")
            return
        slug = options["slug"]
        org, created = add_organization(
            slug, options["name"], options["number"], options["language"], options["greeting"]
        )
        self.stdout.write(f"{'created' if created else 'updated'} {org.slug} ({org.name})")
