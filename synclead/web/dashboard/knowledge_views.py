"""The knowledge page: what an organization has taught its agent, and what the agent would find for a question.

Every view starts from `for_user` and every query after it is filtered by that one organization, so a slug, a
document id or a file name from another agency leads nowhere.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from synclead.agent.knowledge import Passage as AgentPassage
from synclead.knowledge import ingest
from synclead.knowledge.index import stale_documents
from synclead.knowledge.models import Document, Listing, PendingImport
from synclead.knowledge.retrieval import search
from synclead.providers.embeddings import EmbeddingsUnavailableError
from synclead.web.organizations.models import Organization

from . import listings_import_views
from .forms import Accepted, Rejected, UploadForm

logger = logging.getLogger(__name__)

LISTINGS_PER_PAGE = 50
# The agent is handed this many passages per question, so the page shows exactly what it would read.
PASSAGES_SHOWN = 3
MAX_QUESTION_LENGTH = 500


def _organization(request: HttpRequest, slug: str) -> Organization:
    # `for_user` is the membership rule (members, and superusers for support). Another agency's slug is a 404 like
    # an unknown one, and only these people ever reach the upload, delete and re-index views below.
    return get_object_or_404(Organization.objects.for_user(request.user), slug=slug)


def _documents(organization: Organization) -> QuerySet[Document]:
    return ingest.with_counts(Document.objects.filter(organization=organization))


def _knowledge_url(organization: Organization) -> str:
    return reverse("dashboard:knowledge", args=[organization.slug])


@login_required
@require_GET
def knowledge_index(request: HttpRequest) -> HttpResponse:
    # Explicit: a query with a GROUP BY does not take the model's default ordering.
    organizations = list(
        Organization.objects.for_user(request.user).annotate(document_count=Count("documents")).order_by("name")
    )
    if len(organizations) == 1:
        return redirect(_knowledge_url(organizations[0]))
    return render(request, "dashboard/knowledge_index.html", {"organizations": organizations})


@login_required
@require_GET
def knowledge(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(request, slug)
    listings = Listing.objects.filter(organization=organization).order_by("kind", "price", "reference")
    question = request.GET.get("q", "").strip()[:MAX_QUESTION_LENGTH]
    passages, search_problem = _ask(organization, question) if question else ([], "")
    documents = list(_documents(organization))
    context = {
        "organization": organization,
        "organizations": Organization.objects.for_user(request.user),
        "documents": documents,
        "passage_total": sum(document.passage_count for document in documents),
        "listings": Paginator(listings, LISTINGS_PER_PAGE).get_page(request.GET.get("listings")),
        "form": UploadForm(),
        "question": question,
        "passages": passages,
        "search_problem": search_problem,
        "stale": _stale_documents(organization) if documents else [],
        "today": timezone.localdate(),
        "pending_imports": PendingImport.objects.filter(organization=organization).only("pk", "name"),
    }
    return render(request, "dashboard/knowledge.html", context)


def _ask(organization: Organization, question: str) -> tuple[list[AgentPassage], str]:
    try:
        return search(organization.id, question, organization.language, PASSAGES_SHOWN), ""
    except EmbeddingsUnavailableError as error:
        # A deployment set up for an embedding API without its key: the page says so rather than failing whole.
        return [], str(error)


def _stale_documents(organization: Organization) -> list[str]:
    # After a change of embedding model, old passages drop out of semantic search until re-indexed: say so here.
    try:
        return stale_documents(organization.id)
    except EmbeddingsUnavailableError:
        return []


@login_required
@require_POST
def knowledge_upload(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(request, slug)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("files", form.non_field_errors()):
            messages.error(request, error)
        return redirect(_knowledge_url(organization))
    staged = []
    for checked in form.checked:
        if isinstance(checked, Rejected):
            messages.error(
                request,
                _("%(name)s: %(reason)s Nothing was stored.") % {"name": checked.name, "reason": checked.reason},
            )
        elif listings_import_views.is_listings(checked.name):
            # A listings export is shown before it is imported: its columns, its first rows, its problems.
            staged.append(listings_import_views.stage(request, organization, checked.name, checked.upload.read()))
        else:
            _ingest(request, organization, checked)
    if staged:
        return redirect(listings_import_views.preview_url(staged[0]))
    return redirect(_knowledge_url(organization))


def _ingest(request: HttpRequest, organization: Organization, accepted: Accepted) -> None:
    try:
        result = ingest.ingest_file(organization, accepted.name, accepted.upload.read())
    except ingest.IngestError as error:
        messages.error(request, f"{accepted.name}: {error.reason}")
        return
    except Exception:
        # A parser can fail on one odd PDF in ways nobody listed; the rest of the batch must still be reported.
        logger.exception("ingesting %r for organization %s failed", accepted.name, organization.slug)
        messages.error(
            request,
            _("%(name)s: could not be read. Nothing was stored; the error was logged.") % {"name": accepted.name},
        )
        return
    if result.status == "unchanged":
        messages.info(request, _("%(name)s: unchanged, already in the knowledge base.") % {"name": result.name})
        return
    status = INGEST_STATUSES.get(result.status, result.status)
    contents = _contents(result.passages, result.listings)
    messages.success(
        request,
        _("%(name)s: %(status)s, %(contents)s.") % {"name": result.name, "status": status, "contents": contents},
    )


# How `ingest.ingest_file` says what it did with a file.
INGEST_STATUSES = {"added": gettext_lazy("added"), "updated": gettext_lazy("updated")}


def _contents(passages: int, listings: int) -> str:
    counted = ngettext("%(count)d passage", "%(count)d passages", passages) % {"count": passages}
    if not listings:
        return counted
    counted_listings = ngettext("%(count)d listing", "%(count)d listings", listings) % {"count": listings}
    return _("%(passages)s and %(listings)s") % {"passages": counted, "listings": counted_listings}


@login_required
@require_http_methods(["GET", "POST"])
def knowledge_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organization = _organization(request, slug)
    # Looked up inside the organization: another agency's document id is a 404 here, even for a valid one.
    document = get_object_or_404(_documents(organization), pk=pk)
    # A GET only asks; deleting takes the confirmation form's POST, so a followed link or a prefetch deletes nothing.
    if request.method == "GET":
        return render(request, "dashboard/knowledge_delete.html", {"organization": organization, "document": document})
    ingest.delete_document(organization, document.name)
    messages.success(request, _("%(name)s: deleted. The agent no longer uses it.") % {"name": document.name})
    return redirect(_knowledge_url(organization))


@login_required
@require_POST
def knowledge_reindex(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    organization = _organization(request, slug)
    documents = Document.objects.filter(organization=organization).only("name")
    name = get_object_or_404(documents, pk=pk).name if pk else None
    try:
        count = ingest.reindex(organization, name)
    except ingest.IngestError as error:
        # Its message already names the documents that failed; the others were re-indexed.
        messages.error(request, str(error))
    else:
        if name:
            done = _("%(name)s: re-indexed.") % {"name": name}
        else:
            done = ngettext("%(count)d document re-indexed.", "%(count)d documents re-indexed.", count) % {
                "count": count
            }
        messages.success(request, done)
    return redirect(_knowledge_url(organization))
