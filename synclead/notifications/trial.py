"""A test message on one channel, sent by the same senders as a real lead's, so that "it works" on the settings
page means the next lead will get through: the same mail server, the same signed webhook, the same Twilio account.

Nothing is written: the sample call and lead exist only in memory, and no `Delivery` row records the test.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from synclead.web.calls.models import Call
from synclead.web.leads.models import Lead
from synclead.web.organizations.models import Organization

from .channels import SENDERS, SendError
from .models import Channel, Delivery

# A call SID no carrier issues (Twilio's are CA + 32 hex digits), so the sample cannot be mistaken for a call.
SAMPLE_CALL_SID = "CA" + "0" * 32
SAMPLE_CALLER = "+33612345678"


def sample_lead(organization: Organization) -> Lead:
    now = timezone.now()
    number = organization.numbers.order_by("number").values_list("number", flat=True).first() or ""
    call = Call(
        call_sid=SAMPLE_CALL_SID,
        organization=organization,
        from_number=SAMPLE_CALLER,
        to_number=number,
        language=organization.language,
        started_at=now,
        ended_at=now,
        duration_s=0.0,
        summary=_("A test message sent from the settings page. No caller is waiting."),
    )
    return Lead(
        call=call,
        organization=organization,
        name=_("Test message"),
        phone=SAMPLE_CALLER,
        intent="other",
        created_at=now,
    )


def target(organization: Organization, channel: str, email: str) -> str:
    """Where the test goes: the owner's own address for email, the configured webhook or mobile otherwise."""
    if channel == Channel.EMAIL:
        if not email:
            raise SendError(_("Your account has no email address to send the test to."))
        return email
    if channel == Channel.WEBHOOK:
        if not organization.webhook_url:
            raise SendError(_("No webhook URL is saved."))
        return organization.webhook_url
    if channel == Channel.SMS:
        if not organization.notify_sms:
            raise SendError(_("No mobile number for text messages is saved."))
        return organization.notify_sms
    raise SendError(_("Unknown channel."))


def send_test(organization: Organization, channel: str, email: str = "") -> str:
    """Send a test on `channel` with the organization's saved settings; returns the sender's note (such as
    "HTTP 200"), or raises `SendError` saying why it did not get through."""
    delivery = Delivery(lead=sample_lead(organization), channel=channel, target=target(organization, channel, email))
    return SENDERS[channel](delivery)
