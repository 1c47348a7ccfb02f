"""`synclead org add SLUG --name NAME --number E164 [--language en|fr]`, `synclead org list`,
`synclead org set SLUG [--OPTION VALUE …]` (each setting of `configure.SETTINGS`, the settings page's too),
`synclead org show SLUG [--json]`, `synclead org members SLUG`, `synclead org role SLUG USERNAME owner|advisor`.

Anything refused (an unknown organization or option, a value that is not valid) exits with status 2 and one line
saying which and why, so that a script sees at once what to fix.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import phonenumbers
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from synclead.web.audit.events import cli_actor, record
from synclead.web.audit.models import Action
from synclead.web.organizations import configure, membership
from synclead.web.organizations.models import Language, Membership, Organization, PhoneNumber, Role

USAGE_ERROR = 2  # what argparse exits with for a bad command line; a refused value is one too


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


class OneLineParser(CommandParser):
    """A command line refused in one line and exit status 2, from a shell as from `call_command`.

    argparse prints the whole usage before the error; for `org set`, with an option per setting, the reason would
    scroll away. Abbreviations are off: `--web` must not quietly mean `--webhook-url`.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(**kwargs)

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        options, extras = self.parse_known_args(args, namespace)
        if extras:
            extra = extras[0]
            self.error(f"{extra}: unknown option" if extra.startswith("-") else f"{extra!r}: unexpected argument")
        return options

    def error(self, message: str) -> NoReturn:
        message = message.removeprefix("argument ")
        if self.called_from_command_line:
            self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")
        raise CommandError(message, returncode=USAGE_ERROR)


class Command(BaseCommand):
    help = "Manage the organizations SYNCLEAD answers for."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds a plain CommandParser; only how errors are reported differs, so it takes the subclass.
        parser.__class__ = OneLineParser
        parser.allow_abbrev = False
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=OneLineParser)
        add = sub.add_parser("add", help="Create or update an organization (idempotent).")
        add.add_argument("slug")
        add.add_argument("--name", required=True)
        add.add_argument("--number", action="append", required=True, help="E.164, may be repeated")
        add.add_argument("--language", choices=[c.value for c in Language], default="en")
        add.add_argument("--greeting", default="")
        sub.add_parser("list", help="List organizations and their numbers.")
        change = sub.add_parser(
            "set",
            help="Change an organization's settings; nothing is saved unless every value is valid.",
            description='Change an organization\'s settings. An empty value ("") clears an optional one.',
        )
        change.add_argument("slug")
        for setting in configure.SETTINGS:
            # Every value is taken as text and parsed by the setting itself, so each refusal reads the same way.
            change.add_argument(setting.option, dest=setting.field, metavar=setting.metavar, help=setting.help)
        members = sub.add_parser("members", help="List an organization's members and their roles.")
        members.add_argument("slug")
        role = sub.add_parser(
            "role",
            help="Make a user an owner or advisor of an organization (added if not yet a member).",
            description="An organization keeps at least one owner: the last one cannot become an advisor.",
        )
        role.add_argument("slug")
        role.add_argument("username")
        role.add_argument("role", choices=[choice.value for choice in Role])
        show = sub.add_parser("show", help="Print every setting of an organization (secrets masked).")
        show.add_argument("slug")
        show.add_argument("--json", action="store_true", help="One JSON object instead of aligned lines.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for org in Organization.objects.prefetch_related("numbers"):
                numbers = ", ".join(n.number for n in org.numbers.all())
                self.stdout.write(f"{org.slug}\t{org.language}\t{org.name}\t{numbers}")
            return
        if options["action"] == "set":
            self._set(
                options["slug"], {s.field: options[s.field] for s in configure.SETTINGS if options[s.field] is not None}
            )
            return
        if options["action"] == "members":
            for member in _organization(options["slug"]).memberships.select_related("user").order_by("user__username"):
                self.stdout.write(f"{member.user.get_username()}\t{member.role}\t{member.user.email}")
            return
        if options["action"] == "role":
            self._role(options["slug"], options["username"], options["role"])
            return
        if options["action"] == "show":
            data = configure.shown(_organization(options["slug"]))
            lines = [json.dumps(data, ensure_ascii=False, indent=2)] if options["json"] else configure.as_text(data)
            for line in lines:
                self.stdout.write(line)
            return
        slug = options["slug"]
        org, created = add_organization(
            slug, options["name"], options["number"], options["language"], options["greeting"]
        )
        self.stdout.write(f"{'created' if created else 'updated'} {org.slug} ({org.name})")

    def _set(self, slug: str, given: dict[str, str]) -> None:
        if not given:
            raise CommandError(
                "nothing to set: give at least one option, such as --name (see synclead org set --help)",
                returncode=USAGE_ERROR,
            )
        with transaction.atomic():
            org = _organization(slug, lock=True)
            try:
                fields = configure.apply(org, given)
            except configure.SettingsError as exc:
                raise CommandError(str(exc), returncode=USAGE_ERROR) from None
            org.save(update_fields=fields)
            record(cli_actor(), Action.SETTINGS_CHANGED, org, detail=f"changed {', '.join(fields)}"[:200])
        options = ", ".join(configure.SETTINGS_BY_FIELD[field].option for field in fields)
        self.stdout.write(f"updated {org.slug}: {options}")

    def _role(self, slug: str, username: str, role: str) -> None:
        org = _organization(slug)
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"{username!r}: no such user", returncode=USAGE_ERROR)
        with transaction.atomic():
            member, created = Membership.objects.get_or_create(organization=org, user=user, defaults={"role": role})
            if not created:
                try:
                    membership.change_role(org, member.pk, role)
                except membership.MembershipError as exc:
                    raise CommandError(str(exc), returncode=USAGE_ERROR) from None
            record(
                cli_actor(),
                Action.JOINED if created else Action.ROLE_CHANGED,
                org,
                target=username[:64],
                detail=f"{'as' if created else 'now'} {role}",
            )
        self.stdout.write(f"{username} is {'now ' if not created else ''}{role} of {org.slug}")


def _organization(slug: str, *, lock: bool = False) -> Organization:
    organizations = Organization.objects.select_for_update() if lock else Organization.objects.all()
    org = organizations.filter(slug=slug).first()
    if org is None:
        raise CommandError(f"{slug!r}: no such organization (see synclead org list)", returncode=USAGE_ERROR)
    return org
