"""A minimal stand-in for Twilio's REST API: the one resource SYNCLEAD uses to end a call.

`POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json` with `Status=completed` hangs the call up, with
`Twiml=...` redirects it (which ends the media stream). Authentication and answers are Twilio's: HTTP basic auth
with the account SID and auth token, and JSON shaped like Twilio's Call resource or its error objects, so the
server's client code is exercised exactly as in production.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

API_VERSION = "2010-04-01"


@dataclass(slots=True)
class EmulatedCall:
    sid: str
    from_number: str
    to_number: str
    status: str = "in-progress"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    ended: datetime | None = None
    # Set when the call ends on the REST side; the simulated caller then stops the stream, as Twilio does.
    hung_up: asyncio.Event = field(default_factory=asyncio.Event)
    # "completed" (Status=completed) or "twiml" (the call was redirected away from the stream).
    end_reason: str = ""
    twiml: str = ""
    requests: int = 0


class TwilioRestEmulator:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.calls: dict[str, EmulatedCall] = {}
        self.app = Starlette(
            routes=[
                Route(
                    f"/{API_VERSION}/Accounts/{{account_sid}}/Calls/{{call_sid}}.json",
                    self._call,
                    methods=["GET", "POST"],
                )
            ]
        )

    def register(self, call_sid: str, from_number: str, to_number: str) -> EmulatedCall:
        call = EmulatedCall(call_sid, from_number, to_number)
        self.calls[call_sid] = call
        return call

    def finish(self, call_sid: str, status: str = "completed") -> None:
        """The caller hung up (or the simulation ended): the resource shows the call as over."""
        call = self.calls.get(call_sid)
        if call is not None and call.ended is None:
            call.status, call.ended = status, datetime.now(UTC)

    async def _call(self, request: Request) -> JSONResponse:
        account_sid = request.path_params["account_sid"]
        if not self._authorized(request, account_sid):
            return _error(401, 20003, "Authenticate")
        call = self.calls.get(request.path_params["call_sid"])
        if call is None:
            return _error(404, 20404, f"The requested resource {request.url.path} was not found")
        call.requests += 1
        if request.method == "POST":
            # Twilio's API takes url-encoded forms only; parsed here rather than pulling in python-multipart.
            form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
            status, twiml = form.get("Status"), form.get("Twiml")
            if status is None and twiml is None and form.get("Url") is None:
                return _error(400, 20001, "Missing required parameter Status, Twiml or Url")
            if status is not None and status not in ("completed", "canceled"):
                return _error(400, 20001, f"Invalid Status {status!r}: use completed or canceled")
            if call.ended is None:
                # Twilio applies `canceled` only to calls still queued or ringing; an answered call ignores it.
                if status == "completed":
                    self._end(call, "completed")
                elif twiml is not None or form.get("Url") is not None:
                    call.twiml = str(twiml or "")
                    self._end(call, "twiml")
        return JSONResponse(self._resource(call))

    def _end(self, call: EmulatedCall, reason: str) -> None:
        call.status, call.ended, call.end_reason = "completed", datetime.now(UTC), reason
        call.hung_up.set()

    def _authorized(self, request: Request, account_sid: str) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return (
            hmac.compare_digest(user, self.account_sid)
            and hmac.compare_digest(password, self.auth_token)
            and account_sid == self.account_sid
        )

    def _resource(self, call: EmulatedCall) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{call.sid}.json"
        duration = None if call.ended is None else str(int((call.ended - call.created).total_seconds()))
        return {
            "sid": call.sid,
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "status": call.status,
            "direction": "inbound",
            "from": call.from_number,
            "from_formatted": call.from_number,
            "to": call.to_number,
            "to_formatted": call.to_number,
            "date_created": format_datetime(call.created),
            "date_updated": format_datetime(call.ended or call.created),
            "start_time": format_datetime(call.created),
            "end_time": format_datetime(call.ended) if call.ended else None,
            "duration": duration,
            "price": None,
            "price_unit": "USD",
            "answered_by": None,
            "caller_name": None,
            "forwarded_from": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "group_sid": None,
            "queue_time": "0",
            "trunk_sid": None,
            "uri": uri,
            "subresource_uris": {
                name: uri.removesuffix(".json") + f"/{path}.json"
                for name, path in (
                    ("notifications", "Notifications"),
                    ("recordings", "Recordings"),
                    ("payments", "Payments"),
                    ("events", "Events"),
                    ("siprec", "Siprec"),
                    ("streams", "Streams"),
                )
            },
        }


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
        status_code=status,
        headers={"WWW-Authenticate": 'Basic realm="Twilio API"'} if status == 401 else None,
    )
