"""What Twilio does when the media stream ends under a call that was not hung up: the verbs after </Connect>.

For SYNCLEAD those are an apology (<Say>), a voicemail (<Record>) and <Hangup/>: the caller is never left in dead
air. Twilio plays the apology, records the caller's message, asks the <Record> action what to do next (our server
answers <Hangup/>), and tells the recording status callback that the recording is ready. Those requests go to the
URLs in the TwiML, signed as every webhook is, whichever server is there to answer them now: in a deployment the
next gateway behind the balancer; with a single server that died, nobody, which is said rather than raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urljoin

import httpx

from synclead.simulator.dialer import API_VERSION, Dial, TwimlVerb, post_signed
from synclead.simulator.stream import new_sid

# How long the simulated caller speaks into the voicemail: a short message, in seconds.
VOICEMAIL_S: Final = 6


@dataclass(slots=True)
class FallbackRun:
    """What happened after the stream: the verbs played, and each webhook Twilio sent with how it was answered."""

    played: list[str] = field(default_factory=list)
    # (what, URL, HTTP status or None when unreachable, the error when unreachable)
    webhooks: list[tuple[str, str, int | None, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def delivered(self) -> bool:
        """Whether a server took every webhook (2xx)."""
        return bool(self.webhooks) and all(status is not None and status < 300 for _, _, status, _ in self.webhooks)

    def describe(self) -> str:
        """One line: the verbs, then each webhook's fate."""
        parts = [", ".join(self.played) or "nothing"]
        for what, url, status, error in self.webhooks:
            parts.append(f"{what} {url} answered {status}" if status is not None else f"{what} {url}: {error}")
        return "; ".join(parts)


async def run_fallback(
    client: httpx.AsyncClient, voice_url: str, dial: Dial, verbs: tuple[TwimlVerb, ...], auth_token: str
) -> FallbackRun:
    """Run `verbs` as Twilio would after a dropped stream; `voice_url` is the document's URL (relative URLs in it
    resolve against it)."""
    run = FallbackRun()
    for verb in verbs:
        if verb.tag == "Say":
            run.played.append("Say")
            run.seconds += _spoken_s(verb.text)
        elif verb.tag == "Record":
            run.played.append(f"Record ({VOICEMAIL_S} s voicemail)")
            run.seconds += VOICEMAIL_S
            if await _recorded(client, voice_url, dial, verb, auth_token, run):
                run.played.append("Hangup (the action's answer)")
                return run
        elif verb.tag == "Hangup":
            run.played.append("Hangup")
            return run
        else:
            run.played.append(f"{verb.tag} (not simulated)")
    return run


async def _recorded(
    client: httpx.AsyncClient, voice_url: str, dial: Dial, record: TwimlVerb, auth_token: str, run: FallbackRun
) -> bool:
    """The voicemail is over: the action first (the call waits on its answer), then the recording callback.
    Returns whether the action's answer hung up."""
    recording_sid = new_sid("RE")
    recording_url = f"https://api.twilio.com/{API_VERSION}/Accounts/{dial.account_sid}/Recordings/{recording_sid}"
    recording = {"RecordingSid": recording_sid, "RecordingUrl": recording_url, "RecordingDuration": str(VOICEMAIL_S)}
    hung_up = False
    action = record.attributes.get("action")
    if action:
        form = dial.form("in-progress") | recording | {"Digits": "hangup"}
        answer = await _send(client, "<Record> action", urljoin(voice_url, action), form, auth_token, run)
        hung_up = answer is not None and "<Hangup" in answer.text
    callback = record.attributes.get("recordingStatusCallback")
    if callback:
        form = {
            "AccountSid": dial.account_sid,
            "CallSid": dial.call_sid,
            **recording,
            "RecordingStatus": "completed",
            "RecordingChannels": "1",
            "RecordingSource": "RecordVerb",
        }
        await _send(client, "recording callback", urljoin(voice_url, callback), form, auth_token, run)
    return hung_up


async def _send(
    client: httpx.AsyncClient, what: str, url: str, form: dict[str, str], auth_token: str, run: FallbackRun
) -> httpx.Response | None:
    try:
        response = await post_signed(client, url, form, auth_token)
    except httpx.HTTPError as exc:
        run.webhooks.append((what, url, None, _reason(exc)))
        return None
    run.webhooks.append((what, url, response.status_code, ""))
    return response


def _reason(exc: httpx.HTTPError) -> str:
    detail = str(exc) or type(exc).__name__
    return f"no server answered ({detail})" if isinstance(exc, httpx.ConnectError) else detail


def _spoken_s(text: str) -> float:
    # About two and a half words a second, as Twilio's voices read.
    return round(len(text.split()) / 2.5, 1)
