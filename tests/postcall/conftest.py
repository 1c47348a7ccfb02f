"""Calls as the engine records them: Utterance rows, caller and agent alternating, for one French agency."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import count

import pytest

from synclead.web.calls.models import Call, Utterance
from synclead.web.leads.models import Lead
from synclead.web.organizations.models import Organization

MakeCall = Callable[..., Call]
_sids = count(1)


@pytest.fixture
def org(db) -> Organization:
    return Organization.objects.create(slug="agence-lumiere", name="Agence Lumière", language="fr")


@pytest.fixture
def make_call(org) -> MakeCall:
    def make(
        lines: Sequence[tuple[str, str]], language: str = "en", from_number: str = "+33699887766", lead: bool = True
    ) -> Call:
        call = Call.objects.create(
            call_sid=f"CA{next(_sids):032d}", organization=org, from_number=from_number, language=language,
            status="completed", end_reason="caller_hung_up",
        )  # fmt: skip
        for i, (role, text) in enumerate(lines):
            Utterance.objects.create(call=call, role=role, text=text, start_ms=i * 3000, end_ms=i * 3000 + 2500)
        if lead:  # as `finish_call` leaves it: a minimal lead from the agent's outcome
            Lead.objects.create(call=call, organization=org, phone=from_number, intent="other")
        return call

    return make


def caller_utterance(call: Call, index: int) -> int:
    """The id of the call's `index`-th caller utterance."""
    return list(call.utterances.filter(role="caller").order_by("start_ms").values_list("id", flat=True))[index]
