"""The checks a model's tool call must pass before it runs."""

from __future__ import annotations

import json

import pytest

from synclead.agent.knowledge import ListingCriteria
from synclead.agent.llm.model import ToolCall
from synclead.agent.llm.tools import EndCall, SearchListings, TakeMessage, ToolArgumentError, parse_call, tools


def call(name: str, arguments: object) -> ToolCall:
    return ToolCall("abc123XYZ", name, arguments if isinstance(arguments, str) else json.dumps(arguments))


def parse(name: str, arguments: object):
    return parse_call(call(name, arguments), language="fr", region="FR")


def test_the_schemas_the_model_sees_forbid_extra_arguments():
    schemas = {tool.name: tool.parameters for tool in tools()}
    assert set(schemas) == {"search_listings", "take_message", "end_call", "transfer_to_human"}
    assert all(schema["additionalProperties"] is False for schema in schemas.values())
    assert schemas["take_message"]["required"] == ["name", "reason"]
    assert schemas["search_listings"]["properties"]["kind"]["enum"] == ["rent", "sale"]


def test_valid_calls_become_typed_requests():
    found = parse("search_listings", {"kind": "sale", "min_surface_m2": 55.5, "features": ["balcon", " parking "]})
    assert found == SearchListings(ListingCriteria(kind="sale", min_surface_m2=55.5, features=("balcon", "parking")))
    message = parse("take_message", {"name": " Anna\nMartin ", "phone": "zéro six douze 34 56 78", "reason": "Visite"})
    assert message == TakeMessage(name="Anna Martin", phone="+33612345678", reason="Visite")
    assert parse("end_call", "") == EndCall()


@pytest.mark.parametrize(
    ("name", "arguments", "complaint"),
    [
        ("delete_all_leads", {}, "there is no tool named 'delete_all_leads'"),
        ("search_listings", "[1, 2]", "must be a JSON object"),
        ("search_listings", {"min_rooms": True}, "min_rooms must be a number"),
        ("search_listings", {"min_rooms": 2.5}, "min_rooms must be a whole number"),
        ("search_listings", {"min_rooms": 99}, "min_rooms must be at most 20"),
        ("search_listings", {"area": "x" * 81}, "area is longer than 80 characters"),
        ("search_listings", {"features": "balcony"}, "features must be a list of strings"),
        ("take_message", {"name": "Anna"}, "reason is required"),
        ("take_message", {"name": "  ", "reason": "x"}, "name is required"),
        ("take_message", {"name": "Anna", "reason": "x", "email": "anna@"}, "email is not a valid email address"),
        ("take_message", {"name": "Anna", "reason": "x", "urgency": "critical"}, "urgency must be one of"),
    ],
)
def test_invalid_calls_are_refused_with_a_reason(name: str, arguments: object, complaint: str):
    with pytest.raises(ToolArgumentError, match=complaint.replace("(", r"\(").replace(")", r"\)")):
        parse(name, arguments)
