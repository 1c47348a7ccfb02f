"""The one-time stream token: one claim wins, every other attempt gets None."""

from __future__ import annotations

import hmac

import pytest

from synclead.telephony.twilio import stream_auth
from synclead.telephony.twilio.stream_auth import claim_stream
from synclead.web.calls.models import Call
from synclead.web.organizations.models import Organization

pytestmark = pytest.mark.django_db

SID = "CA" + "b" * 32
TOKEN = "k" * 43


@pytest.fixture
def call(organization: Organization) -> Call:
    return Call.objects.create(call_sid=SID, organization=organization, stream_token=TOKEN)


def test_claim_succeeds_once(call: Call, django_assert_num_queries) -> None:
    claimed = claim_stream(SID, TOKEN)
    assert claimed is not None and claimed.pk == call.pk
    assert claimed.stream_token == ""
    assert claimed.stream_started_at is not None
    with django_assert_num_queries(0):  # loaded up front: the caller is async code
        assert claimed.organization.slug == "agence-lumiere"

    assert claim_stream(SID, TOKEN) is None
    call.refresh_from_db()
    assert call.stream_started_at == claimed.stream_started_at


@pytest.mark.parametrize("token", ["", "k" * 42, "k" * 44, TOKEN.upper(), "é" * 43])
def test_wrong_token_fails_and_leaves_the_call_claimable(call: Call, token: str) -> None:
    assert claim_stream(SID, token) is None
    call.refresh_from_db()
    assert (call.stream_token, call.stream_started_at) == (TOKEN, None)
    assert claim_stream(SID, TOKEN) is not None


def test_unknown_call_or_no_token_issued(organization: Organization) -> None:
    Call.objects.create(call_sid=SID, organization=organization)
    assert claim_stream(SID, "") is None
    assert claim_stream("CA" + "0" * 32, TOKEN) is None
    assert claim_stream("", TOKEN) is None


def test_two_sockets_racing_with_one_token(call: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    # Interleave deterministically: the first socket has checked the token when the second one claims the stream.
    real_compare = hmac.compare_digest
    rival: list[Call | None] = []

    def compare_then_let_the_rival_in(a: bytes, b: bytes) -> bool:
        if not rival:
            rival.append(None)
            rival[0] = claim_stream(SID, TOKEN)
        return real_compare(a, b)

    monkeypatch.setattr(stream_auth.hmac, "compare_digest", compare_then_let_the_rival_in)
    assert claim_stream(SID, TOKEN) is None
    assert rival[0] is not None and rival[0].pk == call.pk
