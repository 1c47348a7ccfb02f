"""A busy year of calls for timing the dashboard: two agencies, their calls spread over 365 days, each with its
transcript, its lead, its reply latencies and now and then a provider failure.

Deterministic (a seeded random generator), written with bulk inserts, and kept apart from real data: the
organizations are `timing-…` ones, created here, and the command refuses to seed into them twice.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from synclead.web.calls.models import Call, CallStatus, Utterance
from synclead.web.calls.models import Role as Speaker
from synclead.web.leads.models import FollowUp, Lead, Source, Urgency
from synclead.web.organizations.models import Organization, Role

SLUGS = ("timing-lumiere", "timing-rivage")
USERNAME = "timing"
BATCH = 1000
INTENTS = ("rent", "buy", "sell", "valuation", "viewing", "tenant_issue", "general_question", "other")
NAMES = ("Camille Durand", "Jeanne Martin", "Louis Bernard", "Inès Petit", "Hugo Moreau", "Léa Laurent", "Noah Simon")
CALLER_LINES = (
    "Hello, I saw the flat on rue Oberkampf and I would like to visit it.",
    "My boiler is broken and there is no heating since yesterday.",
    "I would like to know how much my house is worth.",
    "Bonjour, je cherche un trois pièces à louer près de la gare.",
    "Could someone call me back about the lease, it is not urgent.",
)


@dataclass(frozen=True, slots=True)
class Seeded:
    organizations: list[Organization]
    user_id: int
    calls: int
    utterances: int
    leads: int


def seed(calls: int, password: str, days: int = 365, rng: random.Random | None = None) -> Seeded:
    rng = rng or random.Random(20261202)
    if Organization.objects.filter(slug__in=SLUGS).exists():
        raise ValueError("the timing organizations already exist: use an empty database (a fresh data directory)")
    with transaction.atomic():
        organizations = [Organization.objects.create(slug=slug, name=slug.replace("-", " ").title()) for slug in SLUGS]
        user = get_user_model().objects.create_user(USERNAME, "timing@example.test", password)
        for organization in organizations:
            # An owner, so that the pages only owners see (settings, members, audit log) are timed too.
            organization.members.add(user, through_defaults={"role": Role.OWNER})
        now = timezone.now()
        rows = [
            _call(rng, organizations[i % 2], now - timedelta(seconds=rng.randrange(days * 86_400)))
            for i in range(calls)
        ]
        made = Call.objects.bulk_create(rows, batch_size=BATCH)
        utterances: list[Utterance] = []
        leads: list[Lead] = []
        for call in made:
            voicemail = rng.random() < 0.1
            abandoned = not voicemail and rng.random() < 0.08
            if not voicemail:
                utterances += _conversation(rng, call, caller_speaks=not abandoned)
            leads.append(_lead(rng, call, voicemail))
        Utterance.objects.bulk_create(utterances, batch_size=BATCH)
        Lead.objects.bulk_create(leads, batch_size=BATCH)
        # `created_at` is set on insert: a lead is as old as its call.
        started = Call.objects.filter(pk=OuterRef("call_id")).values("started_at")
        Lead.objects.filter(organization__in=organizations).update(created_at=Subquery(started))
    return Seeded(organizations, user.pk, len(made), len(utterances), len(leads))


def _call(rng: random.Random, organization: Organization, started) -> Call:
    duration = rng.uniform(20, 240)
    turns = [{"latency_ms": round(rng.lognormvariate(6.6, 0.35))} for _ in range(rng.randint(1, 5))]
    errors = [{"provider": rng.choice(("llm", "stt")), "reason": "timeout"}] if rng.random() < 0.03 else []
    return Call(
        call_sid="CA" + secrets.token_hex(16),
        organization=organization,
        from_number=f"+336{rng.randrange(10**8):08d}",
        to_number="+33142685300",
        language="fr" if rng.random() < 0.6 else "en",
        status=rng.choices((CallStatus.COMPLETED, CallStatus.NO_ANSWER, CallStatus.BUSY), (90, 7, 3))[0],
        end_reason=rng.choice(("caller_hung_up", "agent_hangup", "caller_silent")),
        started_at=started,
        ended_at=started + timedelta(seconds=duration),
        duration_s=round(duration, 2),
        summary="Caller asked about a flat and wants a call back.",
        metrics={"greeting_ms": 60, "turns": turns, "barge_ins": [], "provider_errors": errors},
        report_ready_at=started + timedelta(seconds=duration + 5),
    )


def _conversation(rng: random.Random, call: Call, caller_speaks: bool) -> list[Utterance]:
    said = [
        Utterance(call=call, role=Speaker.AGENT, text="Hello, you have reached the agency.", start_ms=0, end_ms=2500)
    ]
    if not caller_speaks:
        return said
    at = 3000
    for _ in range(rng.randint(2, 3)):
        line = rng.choice(CALLER_LINES)
        said.append(Utterance(call=call, role=Speaker.CALLER, text=line, start_ms=at, end_ms=at + 3000))
        said.append(
            Utterance(call=call, role=Speaker.AGENT, text="Thank you, noted.", start_ms=at + 3500, end_ms=at + 5000)
        )
        at += 6000
    return said


def _lead(rng: random.Random, call: Call, voicemail: bool) -> Lead:
    status = rng.choices(FollowUp.values, (40, 20, 25, 12, 3))[0]
    called_back = status in (FollowUp.CALLED_BACK, FollowUp.CLOSED) and rng.random() < 0.9
    return Lead(
        call=call,
        organization_id=call.organization_id,
        source=Source.VOICEMAIL if voicemail else Source.CALL,
        name="" if voicemail else rng.choice(NAMES),
        phone=call.from_number,
        intent="" if voicemail else rng.choice(INTENTS),
        urgency=rng.choices(Urgency.values, (20, 65, 15))[0],
        details="Three-room flat, free on Saturday morning.",
        follow_up=status,
        called_back_at=call.started_at + timedelta(hours=rng.uniform(0.2, 48)) if called_back else None,
    )
