"""Two agencies, one English-speaking and one French, and a record of what was handed to the indexer."""

from __future__ import annotations

import pytest

from synclead.knowledge import index
from synclead.knowledge.models import Passage
from synclead.web.organizations.models import Organization


@pytest.fixture
def org(db) -> Organization:
    return Organization.objects.create(slug="agence-lumiere", name="Agence Lumière", language="en")


@pytest.fixture
def other_org(db) -> Organization:
    return Organization.objects.create(slug="maison-rivage", name="Maison Rivage", language="fr")


@pytest.fixture
def indexed(monkeypatch) -> list[list[Passage]]:
    """Each call to `index_passages`, recorded on its way to the real one."""
    calls: list[list[Passage]] = []
    real = index.index_passages

    def record(passages: list[Passage], *args: object, **kwargs: object) -> None:
        calls.append(list(passages))
        real(passages, *args, **kwargs)

    monkeypatch.setattr(index, "index_passages", record)
    return calls
