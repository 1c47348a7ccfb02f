"""What an agent knows about the business it answers for, copied from the organization: no database."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class AgencyProfile:
    """What an agent knows about the business it answers for (copied from the organization, no database)."""

    name: str
    language: str = "en"
    greeting: str = ""
    organization_id: int | None = None
    persona: str = ""
    instructions: str = ""
    facts: str = ""
    llm: str = ""
    llm_model: str = ""
    temperature: float = 0.3
    max_input_tokens: int = 6000
    max_output_tokens: int = 250
    staff_number: str = ""
    business_hours: dict[str, list[list[str]]] = field(default_factory=dict)
    timezone: str = "Europe/Paris"
    has_knowledge: bool = False
    stt: str = ""
    # The organization's voice (`Organization.voice`) and the names its callers say (districts, streets, people).
    voice: str = ""
    vocabulary: tuple[str, ...] = ()
