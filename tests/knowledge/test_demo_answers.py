"""The offline receptionist over the demo agency's real knowledge base, in French and English.

Real ingestion, real embeddings and hybrid retrieval, the real agent; only the caller's words arrive as text. (The
whole audio loop is covered in English by tests/simulator/test_knowledge_call.py; the only offline French voice,
espeak-ng, is not intelligible enough to Whisper to judge a French call by its transcript.)
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from synclead.agent.offline.receptionist import ReceptionistAgent
from synclead.gateway.media import agency_profile
from synclead.knowledge.store import OrganizationKnowledge
from synclead.web.organizations.models import Organization
from synclead.web.service.demo_kb import ensure_demo_knowledge

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


async def receptionist(slug: str) -> ReceptionistAgent:
    await sync_to_async(ensure_demo_knowledge)()
    org = await sync_to_async(Organization.objects.get)(slug=slug)
    profile = await sync_to_async(agency_profile)(org, org.language)
    assert profile.has_knowledge
    return ReceptionistAgent(profile, OrganizationKnowledge(org.pk), caller_number="+33698765432")


async def test_french_questions_get_grounded_french_answers():
    agent = await receptionist("demo-fr")
    hours = (await agent.reply("Bonjour, quels sont vos horaires d'ouverture ?")).text
    assert "9 h à 19 h" in hours and "dimanche" in hours
    listing = (
        await agent.reply("Je cherche un deux pièces à louer dans le neuvième, budget 1 500 euros par mois.")
    ).text
    # Within the budget once charges are counted (1,390 + 110), in the ninth.
    assert "neuvième" in listing and "1390 euros par mois plus 110 euros de charges" in listing
    fees = (await agent.reply("Et quels sont vos honoraires de location ?")).text
    assert "12 euros par mètre carré" in fees or "12 € par m²" in fees
    outcome = agent.outcome("caller_hangup")
    assert outcome.lead["intent"] == "rent"
    assert outcome.summary and "horaires" in outcome.summary.lower()


async def test_english_questions_get_grounded_english_answers():
    agent = await receptionist("demo")
    hours = (await agent.reply("What time do you open on Saturday?")).text
    assert "Saturday from 10 am to 5 pm" in hours
    unknown = (await agent.reply("Can I bring my dog to the office?")).text
    assert "don't have that information" in unknown


async def test_a_seller_asking_what_a_valuation_costs_hears_the_agencys_answer_and_no_listing():
    english = await receptionist("demo")
    said = (await english.reply("Hello, I want to sell my flat, what does a valuation cost?")).text
    assert "free" in said.lower() and "don't have that information" not in said
    assert "We have" not in said and said.endswith("What is the address of the property?")
    french = await receptionist("demo-fr")
    said = (await french.reply("Bonjour, je voudrais vendre mon appartement, combien coûte une estimation ?")).text
    assert "gratuite" in said and "Nous avons" not in said
    assert said.endswith("Quelle est l'adresse du bien ?")
