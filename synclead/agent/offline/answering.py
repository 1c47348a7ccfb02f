"""The answering-machine agent: take the caller's reason, name and callback number, read it back, say goodbye.

It is the offline agent that works with no language model at all: a small state machine whose every step is a
question a receptionist would ask. The caller may answer several questions at once ("Hi, this is Anna Martin,
I'd like to rent a flat"), so each answer is searched for everything still missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum, auto

from synclead.agent.offline.acts import classify as classify_acts
from synclead.agent.offline.answering_phrases import phrase
from synclead.agent.offline.dialogue import name_in
from synclead.agent.offline.numbers import last_digits, parse_phone, region_of, speak_phone
from synclead.agent.offline.rules import classify_intent, classify_urgency, extract_name, is_affirmative
from synclead.agent.profile import AgencyProfile
from synclead.engine.ports import AgentReply, CallOutcome

log = logging.getLogger(__name__)


class Step(Enum):
    REASON = auto()
    NAME = auto()
    CONFIRM_CALLER_ID = auto()
    NUMBER = auto()
    READ_BACK = auto()
    DONE = auto()


@dataclass
class AnsweringAgent:
    profile: AgencyProfile
    caller_number: str = ""
    step: Step = Step.REASON
    reason: str = ""
    name: str = ""
    phone: str = ""
    candidate_phone: str = ""
    said: list[str] = field(default_factory=list)
    _retries: int = 0

    @property
    def language(self) -> str:
        return self.profile.language

    def _say(self, key: str, **values: str) -> str:
        return phrase(self.language, key, org=self.profile.name, **values)

    def greeting(self) -> str:
        opening = self.profile.greeting.strip() or self._say("greeting")
        # The AI disclosure and the recording notice are not optional, whatever the custom greeting says.
        return f"{opening} {self._say('disclosure')}"

    async def reply(self, caller_text: str) -> AgentReply:
        self.said.append(caller_text)
        handler = {
            Step.REASON: self._on_reason,
            Step.NAME: self._on_name,
            Step.CONFIRM_CALLER_ID: self._on_confirm_caller_id,
            Step.NUMBER: self._on_number,
            Step.READ_BACK: self._on_read_back,
            Step.DONE: self._on_done,
        }[self.step]
        return handler(caller_text)

    def on_silence(self, count: int) -> AgentReply:
        if count >= 2:
            self.step = Step.DONE
            return AgentReply(self._say("silent_goodbye"), hang_up=True)
        return AgentReply(self._say("still_there"))

    def on_error(self) -> AgentReply:
        return AgentReply(self._say("error"))

    def farewell(self) -> AgentReply:
        self.step = Step.DONE
        return AgentReply(self._say("farewell"), hang_up=True)

    # ---- steps ---------------------------------------------------------------------------------------------

    def _on_reason(self, text: str) -> AgentReply:
        self.reason = text
        name = extract_name(text, self.language, expecting_name=False)
        if name:
            self.name = name
            return self.ask_number()
        self.step = Step.NAME
        return AgentReply(self._say("ask_name"))

    def _on_name(self, text: str) -> AgentReply:
        # "Perfect", "okay": an answer that is an act is no name.
        name = name_in(text, self.language, classify_acts(text, self.language), expecting=True)
        if name:
            self.name = name
        elif self._retries == 0:
            self._retries += 1
            return AgentReply(self._say("ask_name_again"))
        # A second miss: go on without a name rather than annoy the caller.
        self._retries = 0
        phone = parse_phone(text, self.language, self._region())
        if phone:
            return self._read_back(phone)
        return self.ask_number()

    def ask_number(self) -> AgentReply:
        if self.caller_number:
            self.step = Step.CONFIRM_CALLER_ID
            return AgentReply(
                self._say("ask_number_caller_id", name=self._name_part(), digits=self._digits(self.caller_number))
            )
        self.step = Step.NUMBER
        return AgentReply(self._say("ask_number", name=self._name_part()))

    def _on_confirm_caller_id(self, text: str) -> AgentReply:
        phone = parse_phone(text, self.language, self._region())
        if phone:
            return self._read_back(phone)
        acts = classify_acts(text, self.language)
        if acts.main in ("yes", "this_number"):
            self.phone = self.caller_number
            return self._goodbye()
        self.step = Step.NUMBER
        return AgentReply(self._say("ask_number", name=self._name_part()))

    def _on_number(self, text: str) -> AgentReply:
        phone = parse_phone(text, self.language, self._region())
        if phone:
            return self._read_back(phone)
        if self._retries == 0:
            self._retries += 1
            return AgentReply(self._say("ask_number_again"))
        self._retries = 0
        self.phone = self.caller_number
        return self._goodbye()

    def _read_back(self, phone: str) -> AgentReply:
        self.candidate_phone = phone
        self.step = Step.READ_BACK
        return AgentReply(self._say("read_back", number=speak_phone(phone, self.language)))

    def _on_read_back(self, text: str) -> AgentReply:
        phone = parse_phone(text, self.language, self._region())
        if phone and phone != self.candidate_phone:
            return self._read_back(phone)  # the caller corrected it in the same breath
        if is_affirmative(text, self.language) is False:
            if self._retries == 0:
                self._retries += 1
                self.step = Step.NUMBER
                return AgentReply(self._say("ask_number_again"))
            self.phone = self.caller_number or self.candidate_phone
            return self._goodbye()
        self.phone = self.candidate_phone
        return self._goodbye()

    def _on_done(self, text: str) -> AgentReply:
        return AgentReply(self._say("goodbye", name=self._name_part()), hang_up=True)

    def _goodbye(self) -> AgentReply:
        self.step = Step.DONE
        return AgentReply(self._say("goodbye", name=self._name_part()), hang_up=True)

    # ---- helpers -------------------------------------------------------------------------------------------

    def _name_part(self) -> str:
        return f", {self.name}" if self.name else ""

    def _digits(self, number: str) -> str:
        return " ".join(last_digits(number, 4))

    def _region(self) -> str:
        # A caller says their number the way it is written at home: the caller ID's country says where that is.
        return region_of(self.caller_number) or ("FR" if self.language == "fr" else "US")

    def outcome(self, reason: str) -> CallOutcome:
        everything = " ".join(self.said)
        phone = self.phone or self.candidate_phone or self.caller_number
        lead = {
            "name": self.name,
            "phone": phone,
            "email": "",
            "intent": classify_intent(self.reason or everything, self.language) if everything else "",
            "urgency": classify_urgency(everything, self.language) if everything else "normal",
            "details": self.reason,
        }
        return CallOutcome(reason=reason, lead=lead, summary=self._summary(lead, reason))

    def _summary(self, lead: dict[str, str], reason: str) -> str:
        who = lead["name"] or ("l'appelant" if self.language == "fr" else "The caller")
        # A call from the dashboard's test page, or a withheld caller ID, may end with no number at all.
        phone = lead["phone"] or ("numéro inconnu" if self.language == "fr" else "unknown number")
        if not self.said:
            if self.language == "fr":
                return f"Appel sans conversation ({reason}). Rappeler le {phone}."
            return f"Call with no conversation ({reason}). Call back {phone}."
        reason = self.reason.strip().rstrip(".!?… ")
        if self.language == "fr":
            return f"{who[0].upper()}{who[1:]} a appelé : « {reason} ». À rappeler au {phone}."
        return f"{who} called: “{reason}.” Call back on {phone}."
