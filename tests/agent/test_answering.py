"""The answering-machine agent's conversation, turn by turn."""

from __future__ import annotations

from synclead.agent.offline.answering import AnsweringAgent, Step
from synclead.agent.profile import AgencyProfile

AGENCY = AgencyProfile("Agence Lumière", "en")


async def converse(agent: AnsweringAgent, *turns: str) -> list[str]:
    said = []
    for turn in turns:
        reply = await agent.reply(turn)
        said.append(reply.text)
    return said


def test_greeting_always_discloses_the_assistant_and_the_recording():
    custom = AnsweringAgent(AgencyProfile("X", "en", greeting="Hi, X Realty here."))
    assert custom.greeting().startswith("Hi, X Realty here.")
    assert "automated assistant" in custom.greeting() and "recorded" in custom.greeting()
    french = AnsweringAgent(AgencyProfile("X", "fr")).greeting()
    assert "assistant automatique" in french and "enregistré" in french


async def test_reason_name_caller_id_goodbye():
    agent = AnsweringAgent(AGENCY, caller_number="+33612345678")
    said = await converse(agent, "I'd like to rent a flat near Montmartre.", "Anna Martin.", "Yes please.")
    assert "name" in said[0]
    assert "ending in 5 6 7 8" in said[1]
    assert said[2].endswith("Goodbye!")
    assert agent.step is Step.DONE
    outcome = agent.outcome("agent_hangup")
    assert outcome.lead["name"] == "Anna Martin"
    assert outcome.lead["phone"] == "+33612345678"
    assert outcome.lead["intent"] == "rent"
    assert "Anna Martin" in outcome.summary and "+33612345678" in outcome.summary


async def test_a_name_given_with_the_reason_is_not_asked_again():
    agent = AnsweringAgent(AGENCY, caller_number="+33612345678")
    said = await converse(agent, "Hi, this is Paul Durand, I want to sell my house.")
    assert "call you back" in said[0] and "name" not in said[0]


async def test_another_number_is_read_back_and_can_be_corrected():
    agent = AnsweringAgent(AGENCY, caller_number="+33612345678")
    said = await converse(
        agent,
        "There is a leak in my kitchen!",
        "John Smith",
        "No, call me on 07 81 22 33 44.",
        "No.",
        "Zero six, ninety nine, eighty eight, seventy seven, sixty six.",
        "Yes.",
    )
    assert "zero seven, eighty-one, twenty-two, thirty-three, forty-four" in said[2]
    assert "digit by digit" in said[3]
    assert "zero six, ninety-nine, eighty-eight, seventy-seven, sixty-six" in said[4]
    outcome = agent.outcome("agent_hangup")
    assert outcome.lead["phone"] == "+33699887766"
    assert outcome.lead["urgency"] == "high"
    assert outcome.lead["intent"] == "tenant_issue"


async def test_without_caller_id_the_number_is_asked_for():
    agent = AnsweringAgent(AGENCY, caller_number="")
    said = await converse(agent, "I want a valuation.", "Marie Curie.", "I don't know.", "Still not sure.")
    assert "best number" in said[1]
    assert said[-1].endswith("Goodbye!")
    outcome = agent.outcome("agent_hangup")
    assert outcome.lead["phone"] == ""
    assert outcome.summary.endswith("Call back on unknown number.")  # never "Call back on ."


def test_silence_prompts_once_then_hangs_up():
    agent = AnsweringAgent(AGENCY, caller_number="+33612345678")
    assert not agent.on_silence(1).hang_up
    last = agent.on_silence(2)
    assert last.hang_up
    outcome = agent.outcome("caller_silent")
    assert outcome.lead["phone"] == "+33612345678", "a silent caller can still be called back"
    assert "no conversation" in outcome.summary


async def test_french_conversation():
    agent = AnsweringAgent(AgencyProfile("Agence Lumière", "fr"), caller_number="+33698765432")
    said = await converse(agent, "Bonjour, je voudrais faire estimer mon appartement.", "Je m'appelle Marie Dubois.")
    assert "se termine par 5 4 3 2" in said[1]
    said += await converse(agent, "Oui, c'est bien ça.")
    assert said[-1].endswith("Au revoir !")
    outcome = agent.outcome("agent_hangup")
    assert outcome.lead["intent"] == "valuation" and outcome.lead["name"] == "Marie Dubois"
    assert outcome.summary.startswith("Marie Dubois a appelé")
