"""SYNCLEAD run as an agency runs it: `synclead` commands, each in a process of its own, over one data directory,
with the agency's mail server, CRM and Twilio account played by the local stand-ins of `servers.py`."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from synclead.simulator.dialer import Dial
from synclead.telephony.twilio.signatures import SIGNATURE_HEADER, sign
from tests.simulator.e2e import offline_env, synclead

from .servers import Mailbox, TwilioMessages, WebhookReceiver, free_port, serve, smtp_server

ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "deployment-auth-token"
AGENCY = "lumiere"
AGENCY_NUMBER = "+33142685300"
ADVISOR_EMAIL = "alice@lumiere.example"
ADVISOR_MOBILE = "+33698765432"
WEBHOOK_SECRET = "crm-signing-key"


@dataclass(frozen=True)
class Vendors:
    """What the deployment talks to, each on a loopback port, recording what it received."""

    mailbox: Mailbox
    smtp_port: int
    crm: WebhookReceiver
    crm_url: str
    twilio: TwilioMessages
    twilio_url: str

    def counts(self) -> tuple[int, int, int]:
        """(webhook POSTs, emails, SMS) received so far."""
        return len(self.crm.received), len(self.mailbox.messages), len(self.twilio.sent)


@contextmanager
def vendors() -> Iterator[Vendors]:
    crm, twilio = WebhookReceiver(), TwilioMessages(ACCOUNT_SID, AUTH_TOKEN)
    with ExitStack() as stack:
        mailbox, smtp_port = stack.enter_context(smtp_server())
        crm_base = stack.enter_context(serve(crm.app()))
        twilio_url = stack.enter_context(serve(twilio.app()))
        yield Vendors(mailbox, smtp_port, crm, f"{crm_base}/crm/leads", twilio, twilio_url)


def environment(data_dir: Path, vendors: Vendors, **extra: str) -> dict[str, str]:
    """The processes' environment: offline models, mail to the local SMTP server, Twilio's API at the stand-in."""
    return offline_env(
        data_dir,
        # One gateway process holds a call; more would only each load the speech models on a shared machine.
        SYNCLEAD_WORKERS="1",
        SYNCLEAD_EMAIL_HOST="127.0.0.1",
        SYNCLEAD_EMAIL_PORT=str(vendors.smtp_port),
        SYNCLEAD_EMAIL_USE_TLS="false",
        TWILIO_API_URL=vendors.twilio_url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        **extra,
    )


def run(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """`synclead ARGS...`, which must succeed; returns what it printed."""
    done = synclead(*args, env=env, timeout=timeout)
    assert done.returncode == 0, f"synclead {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout


def python(env: dict[str, str], code: str, timeout: float = 120) -> str:
    """Python run by `synclead shell` against the deployment's database; returns what it printed."""
    return run(env, "shell", "--no-imports", "-c", code, timeout=timeout)


_JOBS = """
from django_tasks_db.models import DBTaskResult

for job in DBTaskResult.objects.order_by("enqueued_at", "id"):
    print(job.task_path.rsplit(".", 1)[-1], job.status)
"""
_DELIVERIES = """
from synclead.notifications.models import Delivery

for delivery in Delivery.objects.order_by("channel"):
    print(delivery.pk, delivery.channel, delivery.status, delivery.attempts)
"""


def jobs(env: dict[str, str]) -> list[str]:
    """Every job enqueued so far, oldest first, as its task's name and status: "process_call SUCCESSFUL"."""
    return python(env, _JOBS).splitlines()


def deliveries(env: dict[str, str]) -> list[list[str]]:
    """[id, channel, status, attempts] of every delivery, by channel."""
    return [line.split() for line in python(env, _DELIVERIES).splitlines()]


def add_agency(env: dict[str, str], crm_url: str) -> None:
    """The agency, its number, and every channel switched on, as an operator sets them in the admin."""
    run(env, "migrate")
    run(env, "org", "add", AGENCY, "--name", "Agence Lumière", "--number", AGENCY_NUMBER, "--language", "en")
    python(
        env,
        f"""
from django.contrib.auth import get_user_model
from synclead.web.organizations.models import Organization

org = Organization.objects.get(slug={AGENCY!r})
org.notify_email, org.notify_sms = True, {ADVISOR_MOBILE!r}
org.webhook_url, org.webhook_secret = {crm_url!r}, {WEBHOOK_SECRET!r}
org.full_clean()
org.save()
users = get_user_model().objects
org.members.add(users.create_user("alice", {ADVISOR_EMAIL!r}), users.create_user("bob", ""))
""",
    )


@contextmanager
def gateway(env: dict[str, str], log_path: Path, timeout_s: float = 180) -> Iterator[str]:
    """`synclead serve` on a free port until the block ends; yields its URL once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "synclead.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout_s
            while not _answers(url):
                assert server.poll() is None, f"synclead serve exited:\n{log_path.read_text()}"
                assert time.monotonic() < deadline, f"synclead serve never answered:\n{log_path.read_text()}"
                time.sleep(0.5)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/login/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def twilio_post(base_url: str, path: str, form: dict[str, str]) -> httpx.Response:
    """A webhook request as Twilio sends it: form-encoded and signed with the account's auth token."""
    url = base_url + path
    return httpx.post(url, data=form, headers={SIGNATURE_HEADER: sign(url, form, AUTH_TOKEN)}, timeout=15)


def dial(call_sid: str, caller: str) -> Dial:
    """A call to the agency, with the fields Twilio puts in each of its webhooks."""
    return Dial(ACCOUNT_SID, caller, AGENCY_NUMBER, call_sid)


def eventually(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Whether `condition` holds within `timeout_s` (what other processes do is seen, not awaited)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
    return True
