"""What every log line of a call carries: the call's SID and its organization, wherever in the code it was written.

The media handler and the webhooks bind them for the task or request they serve (a context variable, so each call
on the event loop keeps its own); `CallContextFilter` copies them onto each record, where the JSON formatter
(SYNCLEAD_LOG_FORMAT=json) writes them as fields.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

_call: ContextVar[tuple[str, str]] = ContextVar("synclead_call", default=("", ""))


def bind_call(call_sid: str, organization: str) -> None:
    """Tag the current task's (or request's) log lines with this call."""
    _call.set((call_sid, organization))


class CallContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        call_sid, organization = _call.get()
        if call_sid and not hasattr(record, "call_sid"):
            record.call_sid = call_sid
            record.organization = organization
        return True
