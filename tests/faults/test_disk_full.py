"""The disk full for recordings in the middle of a call: the caller hears no difference, and the call's row and page
say the recording is missing, and why.

The disk is really full, not pretended: the gateway process runs in a mount namespace of its own (`unshare`; for a
user other than root, inside a user namespace where it may mount) with a 64 KiB tmpfs over its recordings folder.
The stereo recording takes 32 KB a second, so about two seconds into the call the kernel answers the writer thread's
next write with ENOSPC, exactly as a full volume does; nothing of SYNCLEAD's is replaced, and the database lives
outside that tmpfs. Where the kernel refuses these namespaces (some hardened hosts), the test is skipped, saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.urls import reverse

from synclead.web.calls.models import Call
from synclead.web.organizations.models import Organization
from tests.databases import own_database
from tests.faults.gateway import NUMBER
from tests.faults.harness import Caller, Rows, base_env, frames_of_speech, local_token, start_gateway
from tests.processes import scrape, wait_for

TMPFS_SIZE = "64k"
# `sh -c` in the new namespace: mount the small tmpfs over the recordings folder ($0), then become the gateway ($@).
MOUNT_THEN_RUN = 'mount -t tmpfs -o size={size},mode=0755 synclead-recordings "$0" && exec "$@"'


def full_disk_wrapper(recordings: Path) -> list[str]:
    # Root mounts in a mount namespace alone: a user namespace would cost it the right to reach files it does not
    # own, such as the embedded PostgreSQL's socket. Anyone else needs the user namespace to mount at all.
    namespaces = ["--mount"] if os.geteuid() == 0 else ["--user", "--map-root-user", "--mount"]
    return ["unshare", *namespaces, "--", "sh", "-c", MOUNT_THEN_RUN.format(size=TMPFS_SIZE), str(recordings)]


def namespaces_available(tmp_path: Path) -> bool:
    if not shutil.which("unshare"):
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run([*full_disk_wrapper(probe), "true"], capture_output=True, timeout=10).returncode == 0
    return False


@pytest.fixture(scope="module")
def speech() -> list[str]:
    return frames_of_speech()


@pytest.mark.django_db(transaction=True)
async def test_a_full_disk_costs_the_recording_never_the_call(tmp_path: Path, speech: list[str], async_client) -> None:
    if not await asyncio.to_thread(namespaces_available, tmp_path):
        pytest.skip("this kernel refuses unprivileged user and mount namespaces (unshare); no full disk to give")
    with own_database() as database_url:
        data = tmp_path / "data"
        recordings = data / "recordings"
        recordings.mkdir(parents=True)
        env = base_env(data, database_url)
        gateway = await asyncio.to_thread(
            start_gateway, "gateway", tmp_path, env, wrapper=full_disk_wrapper(recordings)
        )
        rows = Rows(data, database_url)
        try:
            late_before = scrape(gateway, "synclead_outbound_frames_late_total")
            caller = Caller(gateway.url, local_token(data), speech, NUMBER)
            await caller.connect()
            # The greeting and three answers: the disk filled after about two seconds, long before the last.
            await caller.wait_for_sentences(4, 40)
            # What the recording writer left in the full folder, seen from inside the gateway's namespace.
            inside = Path(f"/proc/{gateway.popen.pid}/root") / recordings.relative_to("/")
            assert caller.closed_code is None and caller.clears == 0
            assert await caller.hang_up() == 204
            call = await wait_for(lambda: _recording_settled(rows, caller.call_sid), 30, "the call's end")
            assert (inside / "faults").is_dir(), "the organization's folder, on the small tmpfs"
            left = sorted(p.name for p in inside.rglob("*") if p.is_file())
            said = rows.utterances(caller.call_sid)
            late = scrape(gateway, "synclead_outbound_frames_late_total") - late_before
            lost = scrape(gateway, 'synclead_recordings_lost_total{reason="disk full"}')
        finally:
            gateway.stop()

    # The caller noticed nothing: every turn answered, every answer heard to its end, no error, no cut.
    answered = len(caller.played_at) - 1
    assert answered >= 3
    assert [text for role, text in said if role == "agent"][1 : answered + 1] == [
        f"Answer {n}." for n in range(1, answered + 1)
    ]
    assert call["end_reason"] == "caller_hangup" and call["status"] == "completed"
    assert late <= 2, f"{late} outbound frames went out late"
    # The row says the recording is missing, and why; nothing half-written is left on the full disk.
    assert call["metrics"]["recording_error"] == "disk full"
    assert call["recording_file"] == ""
    assert left == [], left
    assert lost == 1
    assert "No space left on device" in gateway.text()

    # And the call's page says so, for the row as the gateway wrote it.
    org = await Organization.objects.acreate(slug="faults", name="Fault line")
    await Call.objects.acreate(call_sid=caller.call_sid, organization=org, metrics=call["metrics"], end_reason="x")
    await async_client.aforce_login(await _member(org))
    try:
        page = await async_client.get(reverse("dashboard:call_detail", args=[caller.call_sid]))
    finally:
        # The views ran on Django's thread for sync code; its connection must not outlive the test database.
        await sync_to_async(connections.close_all)()
    assert page.status_code == 200
    assert "Recording missing: disk full" in page.content.decode()


async def _member(org: Organization):
    from django.contrib.auth import get_user_model

    user = await get_user_model().objects.acreate_user("operator", "operator@example.test", "a-long-passphrase")
    await org.members.aadd(user)
    return user


def _recording_settled(rows: Rows, call_sid: str) -> dict | None:
    """The call's row once both its end and its recording's fate are written."""
    row = rows.call(call_sid)
    return row if row["end_reason"] and "recording_error" in row["metrics"] else None
