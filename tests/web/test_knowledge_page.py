"""The knowledge page as an agency uses it: upload, see what went in, ask, delete; never touch another agency's."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.html import strip_tags

from synclead.knowledge.models import Document, Listing, Passage
from synclead.web.dashboard.forms import MAX_UPLOAD_BYTES, UploadForm, safe_file_name
from synclead.web.organizations.models import Organization

GUIDE = (
    "# Renting with Agence Lumière\n\n"
    "## Pets\n\n"
    "Cats and small dogs are welcome in every flat we rent, with the owner's written agreement.\n\n"
    "## Fees\n\n"
    "The agency fee for a rental is twelve euros per square metre, shared between tenant and owner.\n"
).encode()

LISTINGS_CSV = (
    b"reference,kind,city,district,rooms,bedrooms,surface_m2,price,charges,available_from\n"
    b"LUM-101,rent,Paris,11e,3,2,62,1850,150,\n"
    b"LUM-102,sale,Paris,9e,4,3,88,945000,,\n"
)

RIVAGE_NOTES = b"# Maison Rivage\n\nPets are never allowed in our seaside rentals: the owners refuse every animal.\n"


def knowledge_url(organization: Organization) -> str:
    return reverse("dashboard:knowledge", args=[organization.slug])


def upload_url(organization: Organization) -> str:
    return reverse("dashboard:knowledge_upload", args=[organization.slug])


def delete_url(organization: Organization, document: Document) -> str:
    return reverse("dashboard:knowledge_delete", args=[organization.slug, document.pk])


def text_of(response) -> str:
    """The page as a reader sees it: no tags, one space between words."""
    return " ".join(strip_tags(response.content.decode()).split())


def file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def upload(client: Client, organization: Organization, *files: SimpleUploadedFile) -> list[str]:
    """Posts the files as the form does and returns the messages the page shows after the redirect."""
    return shown_after(client, client.post(upload_url(organization), {"files": list(files)}), organization)


def shown_after(client: Client, response, organization: Organization) -> list[str]:
    assert response.status_code == 302
    assert response["Location"] == knowledge_url(organization)
    # Reading them from the page both checks that they are displayed and uses them up for the next action.
    page = client.get(response["Location"])
    return [str(message) for message in page.context["messages"]]


@pytest.fixture
def user_b(django_user_model, org_b, password):
    user = django_user_model.objects.create_user("bruno", "bruno@rivage.example", password)
    org_b.members.add(user)
    return user


@pytest.fixture
def client_b(user_b) -> Client:
    client = Client()
    client.force_login(user_b)
    return client


@pytest.fixture
def guide_a(org_a) -> Document:
    from synclead.knowledge.ingest import ingest_file

    ingest_file(org_a, "guide.md", GUIDE)
    return Document.objects.get(organization=org_a, name="guide.md")


# Who may see the page


@pytest.mark.django_db
def test_the_page_needs_a_login(client, org_a):
    response = client.get(knowledge_url(org_a))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_member_sees_their_page_and_the_nav_leads_there(client_a, org_a):
    response = client_a.get("/knowledge/")
    assert response.status_code == 302
    assert response["Location"] == knowledge_url(org_a)

    response = client_a.get(knowledge_url(org_a))
    assert response.status_code == 200
    assert b'href="/knowledge/" aria-current="page"' in response.content
    assert b"No documents yet" in response.content


def test_a_member_of_two_agencies_chooses_one(client_a, user_a, org_a, org_b):
    org_b.members.add(user_a)
    response = client_a.get("/knowledge/")
    assert response.status_code == 200
    assert [organization.slug for organization in response.context["organizations"]] == [org_a.slug, org_b.slug]
    assert knowledge_url(org_b).encode() in response.content


def test_another_agencys_page_is_a_404(client_b, org_a):
    assert client_b.get(knowledge_url(org_a)).status_code == 404
    assert client_b.get(reverse("dashboard:knowledge", args=["no-such-agency"])).status_code == 404


def test_a_superuser_sees_any_agency(client, django_user_model, org_a):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
    assert client.get(knowledge_url(org_a)).status_code == 200


# Uploading


def test_markdown_and_csv_go_in_and_are_listed(client_a, org_a):
    response = client_a.post(
        upload_url(org_a), {"files": [file("guide.md", GUIDE), file("listings.csv", LISTINGS_CSV)]}
    )
    # The document goes in at once; the listings wait on their preview page for a confirmation.
    assert response.status_code == 302 and "/knowledge/imports/" in response["Location"]
    confirmed = client_a.post(response["Location"], {"action": "import"})
    shown = shown_after(client_a, confirmed, org_a)

    assert any(text.startswith("guide.md: added") for text in shown), shown
    assert "listings.csv: 2 listings imported." in shown, shown
    guide = Document.objects.get(organization=org_a, name="guide.md")
    assert guide.kind == "markdown"
    assert Passage.objects.filter(document=guide).exists()
    assert set(Listing.objects.filter(organization=org_a).values_list("reference", flat=True)) == {"LUM-101", "LUM-102"}

    page = client_a.get(knowledge_url(org_a))
    documents = {document.name: document for document in page.context["documents"]}
    assert set(documents) == {"guide.md", "listings.csv"}
    assert documents["guide.md"].passage_count == guide.passages.count()
    assert documents["listings.csv"].listing_count == 2
    html = page.content.decode()
    assert "LUM-101" in html
    assert "11e, Paris" in html
    assert "1,850 €" in html
    assert "945,000 €" in html


def test_the_same_file_again_is_unchanged_and_an_edit_is_an_update(client_a, org_a):
    upload(client_a, org_a, file("guide.md", GUIDE))
    first = Document.objects.get(organization=org_a, name="guide.md")

    shown = upload(client_a, org_a, file("guide.md", GUIDE))
    assert shown == ["guide.md: unchanged, already in the knowledge base."]
    assert Document.objects.get(organization=org_a, name="guide.md").sha256 == first.sha256

    shown = upload(client_a, org_a, file("guide.md", GUIDE + b"\n## Keys\n\nKeys are handed over at the agency.\n"))
    assert shown[0].startswith("guide.md: updated")
    assert Document.objects.filter(organization=org_a).count() == 1


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("setup.exe", b"MZ...", "This kind of file cannot be added"),
        ("empty.md", b"", "The file is empty"),
        ("huge.txt", b"x" * (MAX_UPLOAD_BYTES + 1), "larger than 20 MB"),
    ],
)
def test_a_bad_file_is_refused_with_a_reason_and_nothing_is_stored(client_a, org_a, name, data, reason):
    shown = upload(client_a, org_a, file(name, data))
    assert len(shown) == 1
    assert shown[0].startswith(f"{name}: ")
    assert reason in shown[0]
    assert "Nothing was stored" in shown[0]
    assert not Document.objects.filter(organization=org_a).exists()


def test_one_bad_file_does_not_stop_the_others(client_a, org_a):
    shown = upload(client_a, org_a, file("guide.md", GUIDE), file("notes.exe", b"MZ"), file("faq.txt", b"Open 9-19."))
    assert shown[0].startswith("guide.md: added")
    assert shown[1].startswith("notes.exe: This kind of file cannot be added")
    assert shown[2].startswith("faq.txt: added")
    assert list(Document.objects.filter(organization=org_a).values_list("name", flat=True)) == ["faq.txt", "guide.md"]


def test_content_the_ingester_cannot_read_is_reported_per_file(client_a, org_a):
    shown = upload(client_a, org_a, file("broken.pdf", b"this is not a PDF"), file("guide.md", GUIDE))
    assert shown[0].startswith("broken.pdf: ")
    assert "broken.pdf" not in shown[0].removeprefix("broken.pdf: "), "the name is said once"
    assert shown[1].startswith("guide.md: added")
    assert not Document.objects.filter(organization=org_a, name="broken.pdf").exists()


def test_no_file_chosen_says_so(client_a, org_a):
    assert upload(client_a, org_a) == ["Choose at least one file to upload."]


def test_changes_are_posts_with_a_csrf_token(user_a, org_a, guide_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_a)
    assert client.get(upload_url(org_a)).status_code == 405
    assert client.post(upload_url(org_a), {"files": [file("faq.md", GUIDE)]}).status_code == 403
    assert client.post(delete_url(org_a, guide_a)).status_code == 403
    assert client.post(reverse("dashboard:knowledge_reindex", args=[org_a.slug])).status_code == 403
    assert list(Document.objects.filter(organization=org_a).values_list("name", flat=True)) == ["guide.md"]


# The edge checks, without a request


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("guide.md", "guide.md"),
        ("../../etc/guide.md", "guide.md"),
        ("C:\\Users\\alice\\Desktop\\Barème.pdf", "Barème.pdf"),
        ("  spaced.txt ", "spaced.txt"),
        ("Mode\u0300le.md", "Modèle.md"),  # decomposed, as macOS sends it
    ],
)
def test_a_file_name_loses_its_folders(raw, stored):
    assert safe_file_name(raw) == stored


@pytest.mark.parametrize(
    "raw", ["bell\x07.md", "line\nbreak.md", "rtl\u202etxt.exe", "", "..", "a/", "x" * 256 + ".md"]
)
def test_a_file_name_that_cannot_be_stored_is_refused(raw):
    with pytest.raises(ValidationError):
        safe_file_name(raw)


def test_the_form_sorts_files_into_accepted_and_rejected():
    files = [file("a.md", b"# A"), file("A.MARKDOWN", b"# A"), file("bell\x07.md", b"x"), file("a.md", b"# again")]
    form = UploadForm(data={}, files=MultiValueDict({"files": files}))
    assert form.is_valid(), form.errors
    assert [(type(checked).__name__, checked.name) for checked in form.checked] == [
        ("Accepted", "a.md"),
        ("Accepted", "A.MARKDOWN"),
        ("Rejected", "bell?.md"),
        ("Rejected", "a.md"),
    ]
    assert form.checked[2].reason == "The file name contains control characters; rename the file and try again."
    assert form.checked[3].reason == "Another file with this name is in the same upload."


# Deleting and re-indexing


def test_delete_asks_first_then_removes_the_document_and_its_passages(client_a, org_a, guide_a):
    response = client_a.get(delete_url(org_a, guide_a))
    assert response.status_code == 200
    assert b"Delete guide.md?" in response.content
    assert Document.objects.filter(pk=guide_a.pk).exists()

    shown = shown_after(client_a, client_a.post(delete_url(org_a, guide_a)), org_a)
    assert shown == ["guide.md: deleted. The agent no longer uses it."]
    assert not Document.objects.filter(pk=guide_a.pk).exists()
    assert not Passage.objects.filter(organization=org_a).exists()


def test_reindex_one_and_all(client_a, org_a, guide_a):
    one = reverse("dashboard:knowledge_reindex_document", args=[org_a.slug, guide_a.pk])
    assert shown_after(client_a, client_a.post(one), org_a) == ["guide.md: re-indexed."]
    assert Passage.objects.filter(document=guide_a).exists()

    shown = shown_after(client_a, client_a.post(reverse("dashboard:knowledge_reindex", args=[org_a.slug])), org_a)
    assert shown == ["1 document re-indexed."]
    assert client_a.get(reverse("dashboard:knowledge_reindex", args=[org_a.slug])).status_code == 405


def test_another_agency_cannot_touch_a_document_by_id_or_name(client_b, org_a, org_b, guide_a):
    passages = Passage.objects.filter(document=guide_a).count()
    attempts = [
        # Through A's own URLs: the organization itself is out of reach.
        delete_url(org_a, guide_a),
        reverse("dashboard:knowledge_reindex_document", args=[org_a.slug, guide_a.pk]),
        reverse("dashboard:knowledge_reindex", args=[org_a.slug]),
        upload_url(org_a),
        # Through B's URLs with A's document id.
        delete_url(org_b, guide_a),
        reverse("dashboard:knowledge_reindex_document", args=[org_b.slug, guide_a.pk]),
    ]
    for url in attempts:
        assert client_b.post(url, {"name": guide_a.name, "document": guide_a.pk}).status_code == 404, url
        assert client_b.get(url).status_code in (404, 405), url
    # A name in B's own re-index posts touches only B's rows: B has none by that name.
    client_b.post(reverse("dashboard:knowledge_reindex", args=[org_b.slug]), {"name": guide_a.name})
    assert Passage.objects.filter(document=guide_a).count() == passages
    assert Document.objects.filter(organization=org_a).count() == 1


# Asking


def test_the_ask_box_shows_the_users_own_passages_with_document_and_score(client_a, client_b, org_a, org_b, guide_a):
    from synclead.knowledge.ingest import ingest_file

    ingest_file(org_b, "rivage.md", RIVAGE_NOTES)

    response = client_a.get(knowledge_url(org_a), {"q": "Are pets allowed in your rentals?"})
    passages = response.context["passages"]
    assert passages, "the question should find the pets passage"
    assert {passage.document for passage in passages} == {"guide.md"}
    html = response.content.decode()
    assert "Cats and small dogs are welcome" in html
    assert "never allowed" not in html
    assert f"Score {passages[0].score:.3f}" in html

    response = client_b.get(knowledge_url(org_b), {"q": "Are pets allowed in your rentals?"})
    assert {passage.document for passage in response.context["passages"]} == {"rivage.md"}
    assert "Cats and small dogs" not in response.content.decode()


def test_a_question_with_nothing_to_find_says_so(client_a, org_a):
    response = client_a.get(knowledge_url(org_a), {"q": "Do you have parking spaces?"})
    assert response.context["passages"] == []
    assert "No passage matches this question" in text_of(response)


def test_an_empty_question_searches_nothing(client_a, org_a, guide_a):
    response = client_a.get(knowledge_url(org_a), {"q": "   "})
    assert response.context["passages"] == []
    assert b"Passages for" not in response.content


def test_when_search_cannot_run_the_page_says_why(client_a, org_a, guide_a, monkeypatch):
    from synclead.providers.embeddings import EmbeddingsUnavailableError
    from synclead.web.dashboard import knowledge_views

    def unavailable(*args, **kwargs):
        raise EmbeddingsUnavailableError("mistral-embed needs MISTRAL_API_KEY")

    monkeypatch.setattr(knowledge_views, "search", unavailable)
    response = client_a.get(knowledge_url(org_a), {"q": "pets?"})
    assert response.status_code == 200
    assert "Search is unavailable: mistral-embed needs MISTRAL_API_KEY" in response.content.decode()


def test_documents_from_an_older_embedding_model_are_pointed_out_until_reindexed(client_a, org_a, guide_a):
    Document.objects.filter(pk=guide_a.pk).update(embedding_model="old/model")
    response = client_a.get(knowledge_url(org_a))
    assert response.context["stale"] == ["guide.md"]
    assert "1 document was indexed with an earlier embedding model (guide.md)" in text_of(response)

    client_a.post(reverse("dashboard:knowledge_reindex", args=[org_a.slug]))
    assert client_a.get(knowledge_url(org_a)).context["stale"] == []
