"""The tools the conversational agent offers the model, and the checks its calls must pass before anything runs.

A tool call is text the model wrote, steered by what an unknown caller said: it is validated here, field by field,
against the same specification that produces the JSON schema the model sees. A call that fails is never executed;
the model gets the reason back and may try again.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from synclead.agent.knowledge import ListingCriteria
from synclead.agent.llm.model import Tool, ToolCall
from synclead.agent.offline.numbers import parse_phone

FieldType = Literal["string", "integer", "number", "array"]


class ToolArgumentError(ValueError):
    """Why a tool call was refused, worded for the model."""


@dataclass(frozen=True, slots=True)
class Field:
    type: FieldType
    description: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None  # characters of a string, items of an array
    enum: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "description": self.description}
        if self.enum:
            out["enum"] = list(self.enum)
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.type == "string" and self.max_length:
            out["maxLength"] = self.max_length
        if self.type == "array":
            out["items"] = {"type": "string", "maxLength": 40}
            if self.max_length:
                out["maxItems"] = self.max_length
        return out


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    fields: dict[str, Field]

    def tool(self) -> Tool:
        parameters = {
            "type": "object",
            "properties": {name: field.schema() for name, field in self.fields.items()},
            "required": [name for name, field in self.fields.items() if field.required],
            "additionalProperties": False,
        }
        return Tool(self.name, self.description, parameters)


SEARCH_LISTINGS = ToolSpec(
    "search_listings",
    "Search the agency's available properties. Use it whenever the caller asks what is for rent or for sale; "
    "never describe a property that this tool did not return.",
    {
        "kind": Field("string", "rent or sale", enum=("rent", "sale")),
        "area": Field("string", "district, arrondissement or city, e.g. '9e' or 'Montmartre'", max_length=80),
        "min_rooms": Field("integer", "minimum number of rooms", minimum=1, maximum=20),
        "min_bedrooms": Field("integer", "minimum number of bedrooms", minimum=0, maximum=20),
        "max_price": Field("integer", "maximum monthly rent or sale price, in euros", minimum=1, maximum=100_000_000),
        "min_surface_m2": Field("number", "minimum surface in square metres", minimum=1, maximum=10_000),
        "features": Field("array", "required features, e.g. 'balcony', 'parking', 'lift'", max_length=8),
    },
)
TAKE_MESSAGE = ToolSpec(
    "take_message",
    "Record a message for an advisor to call the caller back. Ask for the caller's name and callback number first; "
    "call it once you have them and the reason.",
    {
        "name": Field("string", "the caller's name as they said it", required=True, max_length=100),
        "phone": Field(
            "string",
            "callback number as the caller said it; omit to use the number they are calling from",
            max_length=40,
        ),
        "reason": Field("string", "what the caller wants, in one or two sentences", required=True, max_length=500),
        "email": Field("string", "the caller's email, if they gave one", max_length=120),
        "urgency": Field("string", "how urgent the request is", enum=("low", "normal", "high")),
        "preferred_time": Field("string", "when the caller prefers to be called back", max_length=100),
    },
)
END_CALL = ToolSpec(
    "end_call",
    "Hang up once the conversation is over and you have said goodbye.",
    {"reason": Field("string", "why the call ends", max_length=200)},
)
TRANSFER_TO_HUMAN = ToolSpec(
    "transfer_to_human",
    "Put the caller through to a person at the agency, when they ask for one or you cannot help. If no one is "
    "available, the result says so: then take a message instead.",
    {"reason": Field("string", "why the caller needs a person", max_length=200)},
)
SPECS = {spec.name: spec for spec in (SEARCH_LISTINGS, TAKE_MESSAGE, END_CALL, TRANSFER_TO_HUMAN)}


def tools() -> list[Tool]:
    return [spec.tool() for spec in SPECS.values()]


# ---- what a validated call asks for ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchListings:
    criteria: ListingCriteria


@dataclass(frozen=True, slots=True)
class TakeMessage:
    name: str
    phone: str  # E.164; empty: the caller ID
    reason: str
    email: str = ""
    urgency: str = ""
    preferred_time: str = ""


@dataclass(frozen=True, slots=True)
class EndCall:
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TransferToHuman:
    reason: str = ""


ToolRequest = SearchListings | TakeMessage | EndCall | TransferToHuman

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}$")


def parse_call(call: ToolCall, *, language: str, region: str | None) -> ToolRequest:
    """The request a tool call makes, checked; raises `ToolArgumentError` saying what is wrong."""
    spec = SPECS.get(call.name)
    if spec is None:
        raise ToolArgumentError(f"there is no tool named {call.name!r}")
    values = _check(spec, call.arguments)
    if spec is SEARCH_LISTINGS:
        criteria = ListingCriteria(
            kind=values.get("kind"),
            area=values.get("area") or None,
            min_rooms=values.get("min_rooms"),
            min_bedrooms=values.get("min_bedrooms"),
            max_price=values.get("max_price"),
            min_surface_m2=values.get("min_surface_m2"),
            features=tuple(values.get("features", ())),
        )
        return SearchListings(criteria)
    if spec is TAKE_MESSAGE:
        phone = ""
        if values.get("phone"):
            phone = parse_phone(values["phone"], language, region) or ""
            if not phone:
                raise ToolArgumentError("phone is not a valid phone number: ask the caller to repeat it")
        email = values.get("email", "")
        if email and not _EMAIL.match(email):
            raise ToolArgumentError("email is not a valid email address: ask the caller to spell it, or omit it")
        return TakeMessage(
            name=values["name"],
            phone=phone,
            reason=values["reason"],
            email=email,
            urgency=values.get("urgency", ""),
            preferred_time=values.get("preferred_time", ""),
        )
    if spec is END_CALL:
        return EndCall(values.get("reason", ""))
    return TransferToHuman(values.get("reason", ""))


def _check(spec: ToolSpec, arguments: str) -> dict[str, Any]:
    try:
        raw = json.loads(arguments or "{}")
    except json.JSONDecodeError as exc:
        raise ToolArgumentError(f"the arguments are not valid JSON ({exc.msg})") from None
    if not isinstance(raw, dict):
        raise ToolArgumentError("the arguments must be a JSON object")
    unknown = sorted(set(raw) - set(spec.fields))
    if unknown:
        raise ToolArgumentError(f"unknown argument(s): {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, field in spec.fields.items():
        value = raw.get(name)
        if value is None or value == "":
            if field.required:
                raise ToolArgumentError(f"{name} is required")
            continue
        values[name] = _value(name, field, value)
    return values


def _value(name: str, field: Field, value: Any) -> Any:
    if field.type == "string":
        if not isinstance(value, str):
            raise ToolArgumentError(f"{name} must be a string")
        value = " ".join(value.split())  # no control characters or newlines reach a record
        if not value and field.required:
            raise ToolArgumentError(f"{name} is required")
        if field.max_length and len(value) > field.max_length:
            raise ToolArgumentError(f"{name} is longer than {field.max_length} characters")
        if field.enum and value not in field.enum:
            raise ToolArgumentError(f"{name} must be one of {', '.join(field.enum)}")
        return value
    if field.type == "array":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ToolArgumentError(f"{name} must be a list of strings")
        if field.max_length and len(value) > field.max_length:
            raise ToolArgumentError(f"{name} has more than {field.max_length} items")
        items = [" ".join(item.split()) for item in value]
        if any(len(item) > 40 for item in items):
            raise ToolArgumentError(f"each of {name} must be at most 40 characters")
        return [item for item in items if item]
    # Numbers. JSON booleans are Python ints: refuse them; accept 3.0 for an integer, as models write it.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ToolArgumentError(f"{name} must be a number")
    if field.type == "integer":
        if value != int(value):
            raise ToolArgumentError(f"{name} must be a whole number")
        value = int(value)
    if field.minimum is not None and value < field.minimum:
        raise ToolArgumentError(f"{name} must be at least {field.minimum:g}")
    if field.maximum is not None and value > field.maximum:
        raise ToolArgumentError(f"{name} must be at most {field.maximum:g}")
    return value
