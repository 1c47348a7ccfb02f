"""Sending one delivery on its channel. Each sender returns a short note for the log or raises `SendError`."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from collections.abc import Callable

import httpx
from django.core.mail import EmailMessage
from twilio.base.exceptions import TwilioException

from synclead.config import get_settings
from synclead.telephony.twilio.rest import client_for
from synclead.web.leads.models import Lead

from .messages import email_for, sms_for, webhook_payload
from .models import Channel, Delivery

WEBHOOK_TIMEOUT_S = 5.0


class SendError(Exception):
    """The message did not get through; the delivery is tried again later."""


def sign(body: bytes, secret: str) -> str:
    """The `X-Synclead-Signature` value: the receiver recomputes it over the raw body it got."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_email(delivery: Delivery) -> str:
    email = email_for(delivery.lead)
    try:
        EmailMessage(email.subject, email.body, to=[delivery.target]).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(f"email: {exc}") from exc
    return "accepted by the mail server"


def send_webhook(delivery: Delivery) -> str:
    lead = delivery.lead
    payload = webhook_payload(lead)
    if delivery.pk is None:
        # A test from the settings page (`trial.py`): no lead exists, and the CRM must not file one.
        payload["event"] = "test"
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "SYNCLEAD-Webhook/1",
        # The same id on every retry, so the CRM can drop a message it already processed.
        "X-Synclead-Delivery": str(delivery.pk or "test"),
    }
    if lead.organization.webhook_secret:
        headers["X-Synclead-Signature"] = sign(body, lead.organization.webhook_secret)
    try:
        response = httpx.post(delivery.target, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise SendError(f"webhook: {type(exc).__name__}: {exc}") from exc
    if not response.is_success:
        raise SendError(f"webhook: HTTP {response.status_code} {response.text[:200]}")
    return f"HTTP {response.status_code}"


def _sender_number(lead: Lead) -> str:
    # The number the caller dialled belongs to the organization: the advisor recognises it.
    numbers = list(lead.organization.numbers.values_list("number", flat=True))
    if lead.call.to_number in numbers:
        return lead.call.to_number
    if not numbers:
        raise SendError("sms: the organization has no phone number to send from")
    return numbers[0]


def send_sms(delivery: Delivery) -> str:
    client = client_for(get_settings())
    if client is None:
        raise SendError("sms: no Twilio credentials")
    lead = delivery.lead
    try:
        message = client.messages.create(to=delivery.target, from_=_sender_number(lead), body=sms_for(lead))
    except TwilioException as exc:
        raise SendError(f"sms: Twilio refused: {exc}") from exc
    except OSError as exc:  # requests' connection errors and timeouts are OSErrors
        raise SendError(f"sms: Twilio could not be reached: {exc}") from exc
    return f"message {message.sid}"


SENDERS: dict[str, Callable[[Delivery], str]] = {
    Channel.EMAIL: send_email,
    Channel.WEBHOOK: send_webhook,
    Channel.SMS: send_sms,
}
