"""What a caller has told so far, for whoever watches the call live: name, callback number, intent, urgency.

The same keyword rules the offline agents use (`synclead.agent.offline`), run on each caller turn as it is
recorded: microseconds, no model, and the same answer the agent would reach. The post-call report, written when the
call ends, stays the record; this is only a preview while the call runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from synclead.agent.offline.numbers import parse_phone, region_of
from synclead.agent.offline.rules import classify_intent, classify_urgency, extract_name
from synclead.engine.ports import UtteranceRecord

# The agent has just asked who is calling: a bare "Marie Dubois." is then a name.
_ASKS_NAME = re.compile(r"\b(?:name|nom)\b", re.IGNORECASE)


@dataclass(slots=True)
class LiveLead:
    language: str = "en"
    caller_number: str = ""
    said: list[str] = field(default_factory=list)
    name: str = ""
    phone: str = ""
    expecting_name: bool = False
    _last: dict[str, str] = field(default_factory=dict)

    def heard(self, record: UtteranceRecord) -> dict[str, str] | None:
        """Take in one utterance; the fields as now understood when they changed, None otherwise."""
        if record.role == "agent":
            self.expecting_name = bool(_ASKS_NAME.search(record.text))
            return None
        text = record.text
        self.said.append(text)
        self.name = extract_name(text, self.language, expecting_name=self.expecting_name) or self.name
        region = region_of(self.caller_number) if self.caller_number else None
        self.phone = parse_phone(text, self.language, region) or self.phone
        return self._changed()

    def fields(self) -> dict[str, str]:
        everything = " ".join(self.said)
        intent = classify_intent(everything, self.language) if everything else ""
        return {
            "name": self.name,
            "phone": self.phone or self.caller_number,
            "intent": "" if intent == "other" else intent,
            "urgency": classify_urgency(everything, self.language) if everything else "",
        }

    def _changed(self) -> dict[str, str] | None:
        now = self.fields()
        if now == self._last:
            return None
        self._last = now
        return now
