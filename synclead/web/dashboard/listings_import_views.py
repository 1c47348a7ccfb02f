"""A listings export uploaded on the knowledge page is shown before it is imported: how each column was understood
(and why), the first listings as they would be stored, every problem by line and column. The person may read a
column as another field, look again, and confirm; only the confirmation writes, and all of the file or none of it.

The uploaded bytes wait in a `PendingImport` of the organization, found only through it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from synclead.knowledge import ingest
from synclead.knowledge.listings import FIELDS, IGNORE
from synclead.knowledge.loaders import EXTENSIONS
from synclead.knowledge.models import DocumentKind, PendingImport
from synclead.web.organizations.models import Organization

ROWS_SHOWN = 10
PENDING_KEPT = timedelta(days=1)  # an upload nobody confirmed is dropped after this


def is_listings(name: str) -> bool:
    return EXTENSIONS.get(PurePath(name).suffix.lower()) is DocumentKind.LISTINGS


def stage(request: HttpRequest, organization: Organization, name: str, data: bytes) -> PendingImport:
    """Keep an uploaded listings file until it is confirmed; uploads left unconfirmed for a day are dropped."""
    PendingImport.objects.filter(organization=organization, created_at__lt=timezone.now() - PENDING_KEPT).delete()
    return PendingImport.objects.create(organization=organization, uploaded_by=request.user, name=name, content=data)


def preview_url(pending: PendingImport) -> str:
    return reverse("dashboard:listings_import", args=[pending.organization.slug, pending.pk])


def _pending(request: HttpRequest, slug: str, pk: int) -> PendingImport:
    organization = get_object_or_404(Organization.objects.for_user(request.user), slug=slug)
    # Looked up inside the organization: another agency's pending upload is a 404 here.
    return get_object_or_404(PendingImport.objects.select_related("organization"), organization=organization, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def listings_import(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    pending = _pending(request, slug, pk)
    organization = pending.organization
    data = bytes(pending.content)
    mapping = _mapping(request) if request.method == "POST" else {}
    problem = ""
    if request.method == "POST" and request.POST.get("action") == "import":
        try:
            result = ingest.ingest_file(organization, pending.name, data, columns=_by_header(pending, data, mapping))
        except ingest.IngestError as error:
            problem = error.reason
        else:
            pending.delete()
            if result.status == "unchanged":
                messages.info(request, _("%(name)s: unchanged, already in the knowledge base.") % {"name": result.name})
            else:
                done = ngettext(
                    "%(name)s: %(count)d listing imported.", "%(name)s: %(count)d listings imported.", result.listings
                )
                messages.success(request, done % {"name": result.name, "count": result.listings})
            return redirect(_next_url(organization))
    try:
        checked = ingest.check_file(organization, pending.name, data, columns=_by_header(pending, data, mapping))
    except ingest.IngestError as error:
        checked, problem = None, error.reason
    context = {
        "organization": organization,
        "pending": pending,
        "checked": checked,
        "reading": checked.reading if checked else None,
        "rows": checked.reading.listings[:ROWS_SHOWN] if checked and checked.reading else (),
        "problem": problem,
        "mapping": mapping,
        "fields": [(field, str(description)) for field, description in FIELDS.items() if field != IGNORE],
        "ignore": IGNORE,
        "others": PendingImport.objects.filter(organization=organization).exclude(pk=pending.pk).count(),
    }
    return render(request, "dashboard/listings_import.html", context)


@login_required
@require_POST
def listings_import_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    pending = _pending(request, slug, pk)
    pending.delete()
    messages.info(request, _("%(name)s: not imported. Nothing was stored.") % {"name": pending.name})
    return redirect(_next_url(pending.organization))


def _mapping(request: HttpRequest) -> dict[int, str]:
    """The form's choices: column index → field, for the columns the person chose a field for."""
    mapping: dict[int, str] = {}
    for name, value in request.POST.items():
        if name.startswith("column-") and name[7:].isdigit() and value in FIELDS:
            mapping[int(name[7:])] = value
    return mapping


def _by_header(pending: PendingImport, data: bytes, mapping: dict[int, str]) -> dict[str, str]:
    if not mapping:
        return {}
    from synclead.knowledge.listings.tables import read_table

    header = read_table(pending.name, data).header
    return {header[index]: field for index, field in mapping.items() if index < len(header) and header[index]}


def _next_url(organization: Organization) -> str:
    # Several exports uploaded at once are checked one after the other.
    following = PendingImport.objects.filter(organization=organization).first()
    if following is not None:
        return preview_url(following)
    return reverse("dashboard:knowledge", args=[organization.slug])
