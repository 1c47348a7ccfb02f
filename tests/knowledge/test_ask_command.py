"""`synclead ask`: what the agent would be given for a question, for a person checking a knowledge base."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from synclead.knowledge.ingest import ingest_file
from synclead.web.organizations.models import Organization

HOURS = b"# Opening hours\n\nWe are open Monday to Friday from 9:00 to 19:00 and on Saturday from 10:00 to 17:00.\n"
FEES = "# Honoraires\n\nLe locataire paie 12 € par m² pour la visite, le dossier et le bail.\n".encode()


@pytest.fixture
def agency(db) -> Organization:
    organization = Organization.objects.create(slug="lumiere", name="Agence Lumière")
    ingest_file(organization, "hours.md", HOURS)
    ingest_file(organization, "honoraires.md", FEES)
    return organization


def _ask(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ask", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_passages_with_scores(agency):
    out, _ = _ask("--org", "lumiere", "Are you open on Saturday?")
    assert out.startswith("1. score 1.000, cosine 0.")
    assert "hours.md — Opening hours" in out
    assert "Saturday from 10:00 to 17:00" in out
    assert "best cosine: 0." in out


def test_json_is_a_list_of_document_text_and_score(agency):
    out, _ = _ask("--org", "lumiere", "--json", "--limit", "2", "Combien coûtent les honoraires ?")
    rows = json.loads(out)
    assert [set(row) for row in rows] == [{"document", "text", "score"}] * 2
    assert rows[0]["document"] == "honoraires.md"
    assert "12 € par m²" in rows[0]["text"]
    assert rows[0]["score"] >= rows[1]["score"] > 0


def test_unknown_organization_and_empty_question_are_refused(agency):
    with pytest.raises(CommandError, match="No organization 'nobody'"):
        _ask("--org", "nobody", "hours?")
    with pytest.raises(CommandError, match="Give a question"):
        _ask("--org", "lumiere", "  ")


def test_an_empty_knowledge_base_says_so(db):
    Organization.objects.create(slug="empty", name="Empty")
    out, _ = _ask("--org", "empty", "opening hours")
    assert out.strip() == "No passage found."
    assert json.loads(_ask("--org", "empty", "--json", "opening hours")[0]) == []


def test_documents_from_another_embedding_model_are_reported(agency):
    agency.documents.filter(name="hours.md").update(embedding_model="another-model")
    _, err = _ask("--org", "lumiere", "opening hours")
    assert "hours.md" in err and "synclead ingest --org lumiere --reindex" in err
