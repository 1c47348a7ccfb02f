"""The migration that gives members a role keeps every member, and makes the members there before it owners."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("organizations", "0004_line_limit_and_validation")]
AFTER = [("organizations", "0005_membership_roles_and_invitations")]


@pytest.mark.django_db(transaction=True)
def test_members_before_roles_become_owners_and_new_ones_advisors():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()  # every app: what depends on roles is unapplied with them
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        user = old.get_model("auth", "User").objects.create(username="demo")
        organization = old.get_model("organizations", "Organization").objects.create(slug="demo", name="Demo")
        organization.members.add(user)

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        membership = new.get_model("organizations", "Membership")
        assert list(membership.objects.values_list("organization__slug", "user__username", "role")) == [
            ("demo", "demo", "owner")
        ]
        later = new.get_model("auth", "User").objects.create(username="later")
        membership.objects.create(organization_id=organization.pk, user=later)
        assert membership.objects.get(user=later).role == "advisor"
    finally:
        MigrationExecutor(connection).migrate(latest)
