"""The checklist on a new organization's calls page: what is left to do, and nothing once all is done."""

from __future__ import annotations

import re

from django.utils.html import strip_tags

from synclead.knowledge import ingest
from synclead.web.organizations.models import Organization, PhoneNumber

GUIDE = b"# Fees\n\nThe agency fee for a rental is twelve euros per square metre.\n"
LISTINGS = b"reference,kind,city,rooms,price\nLUM-101,rent,Paris,3,1850\n"


def steps(client) -> dict[str, bool]:
    page = client.get("/").content.decode()
    return {key: done == "true" for key, done in re.findall(r'data-testid="step-(\w+)" data-done="(\w+)"', page)}


def test_the_checklist_follows_the_organization_until_it_is_ready(client, django_user_model, make_call):
    organization = Organization.objects.create(slug="nouvelle", name="Nouvelle Agence", notify_email=False)
    owner = django_user_model.objects.create_user("nina", "", "x")
    organization.members.add(owner, through_defaults={"role": "owner"})
    client.force_login(owner)

    assert steps(client) == {"number": False, "knowledge": False, "call": False, "notifications": False}
    page = " ".join(strip_tags(client.get("/").content.decode()).split())
    assert "Getting Nouvelle Agence ready: 0 of 4 done" in page
    assert "https://synclead.test/twilio/voice" in page and "synclead twilio configure" in page

    PhoneNumber.objects.create(number="+33142685311", organization=organization)
    ingest.ingest_file(organization, "fees.md", GUIDE)
    assert steps(client)["number"] and not steps(client)["knowledge"]  # documents in, listings still to add
    ingest.ingest_file(organization, "listings.csv", LISTINGS)
    make_call(organization, lead=False)
    assert steps(client) == {"number": True, "knowledge": True, "call": True, "notifications": False}

    # Email to members with no address reaches nobody: the step is done when a message would really go somewhere.
    Organization.objects.filter(pk=organization.pk).update(notify_email=True)
    assert steps(client)["notifications"] is False
    Organization.objects.filter(pk=organization.pk).update(webhook_url="https://crm.example/leads")
    assert steps(client) == {}
    assert 'data-testid="onboarding"' not in client.get("/").content.decode()
