"""`synclead bench`: the gateway in its own processes, N simulated callers in others, and what both measured.

The gateway runs as production runs it: `--workers` processes under one supervisor, every call set up through
the signed voice webhook and ended with the status callback. The server's CPU and memory are read from /proc,
summed over its whole process tree, over a steady-state window (every call connected and greeted, none yet hung
up), so set-up and tear-down do not flatter or burden the per-call figures. Its own counters (`/metrics`) are
read before and after the load, to be set beside what the callers counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from synclead.bench import metrics, procstat
from synclead.bench.audio import TONE_MS, render_caller_speech, save_mulaw
from synclead.bench.loadgen import LoadConfig
from synclead.bench.server import BENCH_NUMBER
from synclead.bench.stats import Histogram
from synclead.engine.ports import SAMPLE_RATE
from synclead.simulator.servers import bind_free_port, serving
from synclead.simulator.twilio_rest import TwilioRestEmulator

# Greeting, first turn and first reply take about this long: the steady-state window opens after it.
SETTLE_S = 3.0
# What each gateway process logs once its models are loaded and its greeting cached (gateway/app.py). `/readyz`
# answers for whichever process took the connection, and a process that is not ready yet takes none: with
# several workers, the log is how the harness knows that all of them are.
READY_LINE = "phrases cached"


@dataclass(frozen=True, slots=True)
class BenchOptions:
    calls: int
    seconds: float = 30.0
    client_procs: int = 1
    workers: int = 1  # gateway processes, as `synclead serve --workers N`
    stt_delay_ms: int = 100
    tts_delay_ms: int = 50
    barge_at_ms: int = 600
    ramp_s: float | None = None
    ws: str = ""
    loop: str = ""
    warmup: bool = True
    # A nice value for the server and the callers (negative needs root): on a shared machine, keeps other
    # people's work from being measured as SYNCLEAD's jitter. 0 leaves scheduling alone.
    priority: int = 0

    @property
    def ramp(self) -> float:
        # Calls ring 50 ms apart (at most 5 s in all): a burst of simultaneous webhooks is not what a line sees.
        return self.ramp_s if self.ramp_s is not None else min(5.0, 0.05 * self.calls)


class BenchError(RuntimeError):
    pass


def _python(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def _tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _processes_ready(log: Path) -> int:
    return log.read_text(errors="replace").count(READY_LINE)


async def _wait_ready(
    url: str, server: subprocess.Popen[bytes], log: Path, workers: int, timeout_s: float = 120
) -> None:
    deadline = time.monotonic() + timeout_s
    ready = 0
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise BenchError(f"the bench server exited with status {server.returncode}: {_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url + "/readyz")).status_code == 200:
                    ready = _processes_ready(log) if workers > 1 else 1
                    if ready >= workers:
                        return
            await asyncio.sleep(0.2)
    raise BenchError(f"{ready} of {workers} bench server process(es) ready after {timeout_s:.0f} s: {_tail(log)}")


class Run:
    def __init__(self, options: BenchOptions, work: Path) -> None:
        self.options = options
        self.work = work
        self.token = secrets.token_hex(16)
        self.account_sid = "AC" + secrets.token_hex(16)
        self.server: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start_server(self, rest_url: str) -> None:
        sock = bind_free_port()
        port = sock.getsockname()[1]
        sock.close()  # the server binds it again at once; nothing else on this machine picks ports here
        self.url = f"http://127.0.0.1:{port}"
        env = os.environ | {
            "SYNCLEAD_PUBLIC_URL": self.url,
            "TWILIO_AUTH_TOKEN": self.token,
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_API_URL": rest_url,
        }
        o = self.options
        args = [
            "--port",
            str(port),
            "--data-dir",
            str(self.work / "server"),
            *(["--ws", o.ws] if o.ws else []),
            *(["--loop", o.loop] if o.loop else []),
        ]
        args += ["--workers", str(o.workers)]
        args += ["--stt-delay-ms", str(o.stt_delay_ms), "--tts-delay-ms", str(o.tts_delay_ms)]
        log = (self.work / "server.log").open("wb")
        self.server = subprocess.Popen(_python("synclead.bench.server", *args), env=env, stdout=log, stderr=log)
        self._prioritize(self.server.pid)

    def _prioritize(self, pid: int) -> None:
        # Set at once, before the interpreter starts any thread: Linux keeps a nice value per thread, and
        # threads inherit their creator's.
        if self.options.priority:
            os.setpriority(os.PRIO_PROCESS, pid, self.options.priority)

    def stop_server(self) -> None:
        if self.server is None or self.server.poll() is not None:
            return
        # Known before the supervisor is told to stop: should it not, its workers must not outlive the run.
        tree = procstat.usage(self.server.pid).cpu_by_pid
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(15)
        except subprocess.TimeoutExpired:
            for pid in tree:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.server.wait()

    def load_processes(
        self,
        calls: int,
        seconds: float,
        start_at: float,
        ramp_s: float,
        procs: int,
        tag: str,
        window: tuple[float, float] = (0.0, 0.0),
    ) -> list[tuple[subprocess.Popen[bytes], Path]]:
        o = self.options
        processes = []
        for p in range(procs):
            share = calls // procs + (1 if p < calls % procs else 0)
            if share == 0:
                continue
            cfg = LoadConfig(
                url=self.url,
                auth_token=self.token,
                account_sid=self.account_sid,
                to_number=BENCH_NUMBER,
                calls=share,
                calls_total=calls,
                first_index=sum(calls // procs + (1 if q < calls % procs else 0) for q in range(p)),
                seconds=seconds,
                ramp_s=ramp_s,
                start_at=start_at,
                window_start=window[0],
                window_end=window[1],
                speech_path=str(self.work / "speech.ulaw"),
                tone_samples=TONE_MS * SAMPLE_RATE // 1000,
                barge_at_ms=o.barge_at_ms,
            )
            config, out = self.work / f"{tag}-{p}.json", self.work / f"{tag}-{p}.out.json"
            config.write_text(json.dumps(asdict(cfg)))
            command = _python("synclead.bench.loadgen", "--config", str(config), "--out", str(out))
            process = subprocess.Popen(command)
            self._prioritize(process.pid)
            processes.append((process, out))
        return processes


async def _finish(processes: list[tuple[subprocess.Popen[bytes], Path]], timeout_s: float) -> list[dict[str, Any]]:
    results = []
    for process, out in processes:
        try:
            code = await asyncio.to_thread(process.wait, timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            raise BenchError("a load generator did not finish in time") from None
        if code != 0 or not out.exists():
            raise BenchError(f"a load generator failed with status {code}")
        results.append(json.loads(out.read_text()))
    return results


async def run_bench(options: BenchOptions) -> dict[str, Any]:
    if options.calls < 1 or options.seconds < 3:
        raise ValueError("a benchmark needs at least one call and three seconds")
    machine = procstat.machine()
    with tempfile.TemporaryDirectory(prefix="synclead-bench-") as tmp:
        run = Run(options, Path(tmp))
        # The bench agent never hangs up, but should the engine do so (a maximum length), Twilio must answer.
        rest = TwilioRestEmulator(run.account_sid, run.token)
        async with serving(rest.app) as rest_url:
            run.start_server(rest_url)
            try:
                speech = await render_caller_speech()
                save_mulaw(run.work / "speech.ulaw", speech)
                assert run.server is not None
                await _wait_ready(run.url, run.server, run.work / "server.log", options.workers)
                return await _measure(run, options, machine, len(speech))
            finally:
                run.stop_server()


@dataclass(frozen=True, slots=True)
class ServerFigures:
    """The server's side of one run: its process tree over the window, and what it counted itself."""

    cores: float  # the whole tree
    root_cores: float  # the process the harness started: with several workers, the supervisor alone
    cores_by_process: list[float]
    idle: procstat.Usage
    rss_load_mb: float
    pss_load_mb: float | None
    counts: dict[str, Any]


async def _measure(run: Run, options: BenchOptions, machine: dict[str, Any], speech_samples: int) -> dict[str, Any]:
    assert run.server is not None
    pid = run.server.pid
    async with httpx.AsyncClient(timeout=10) as client:
        if options.warmup:
            # Short calls first: the imports, the first Django requests and the VAD's first runs are start-up
            # costs, not per-call ones. Two per worker, ringing together, so that each worker likely takes one
            # (which process accepts a connection is the kernel's choice).
            warm = run.load_processes(2 * options.workers, 4.0, time.time() + 1.0, 0.0, 1, "warmup")
            await _finish(warm, 60)
            await asyncio.sleep(1.0)
        before = await metrics.scrape_when_idle(client, run.url)
        idle = procstat.usage(pid, pss=True)

        start_at = time.time() + 2.0
        ramp = options.ramp
        window_start, window_end = start_at + ramp + SETTLE_S, start_at + options.seconds - 0.5
        if window_end - window_start < 2.0:
            window_start, window_end = start_at + ramp, start_at + options.seconds
        processes = run.load_processes(
            options.calls, options.seconds, start_at, ramp, options.client_procs, "load", (window_start, window_end)
        )
        await asyncio.sleep(max(0.0, window_start - time.time()))
        clients = [p.pid for p, _ in processes]
        server_0, client_0, t0 = procstat.usage(pid), _clients_cpu(clients), time.monotonic()
        machine_0 = procstat.machine_cpu()
        rss_peak, pss_peak = server_0.rss_mb, idle.pss_mb
        while time.time() < window_end:
            await asyncio.sleep(min(0.5, max(0.0, window_end - time.time())))
            now = procstat.usage(pid, pss=True)
            rss_peak = max(rss_peak, now.rss_mb)
            pss_peak = None if pss_peak is None or now.pss_mb is None else max(pss_peak, now.pss_mb)
        server_1, client_1, t1 = procstat.usage(pid), _clients_cpu(clients), time.monotonic()
        machine_1 = procstat.machine_cpu()
        results = await _finish(processes, options.seconds + ramp + 60)
        after = await metrics.scrape_when_idle(client, run.url)
    wall = t1 - t0
    by_pid = {p: (cpu - server_0.cpu_by_pid.get(p, 0.0)) / wall for p, cpu in server_1.cpu_by_pid.items()}
    server = ServerFigures(
        cores=(server_1.cpu_s - server_0.cpu_s) / wall,
        root_cores=by_pid.get(pid, 0.0),
        cores_by_process=sorted(by_pid.values(), reverse=True),
        idle=idle,
        rss_load_mb=rss_peak,
        pss_load_mb=pss_peak,
        counts=metrics.server_counts(before, after),
    )
    client_cores = (client_1 - client_0) / wall
    # Whatever else ran on the machine meanwhile: on a shared machine it competes with both sides.
    other_cores = max(0.0, (machine_1[0] - machine_0[0]) / wall - server.cores - client_cores)
    return _report(
        options,
        machine,
        results,
        server,
        client_cores=client_cores,
        other_cores=other_cores,
        window_s=wall,
        speech_ms=speech_samples * 1000 // SAMPLE_RATE,
    )


def _clients_cpu(pids: list[int]) -> float:
    return sum(procstat.usage(pid).cpu_s for pid in pids)


def _report(
    options: BenchOptions,
    machine: dict[str, Any],
    results: list[dict[str, Any]],
    server: ServerFigures,
    *,
    client_cores: float,
    other_cores: float,
    window_s: float,
    speech_ms: int,
) -> dict[str, Any]:
    from synclead.config import get_settings

    calls = [c for r in results for c in r["calls"]]
    failures = [f for r in results for f in r["failures"]]
    status_failures = [f for r in results for f in r["status_failures"]]
    histograms = ("jitter", "jitter_steady", "turnaround", "tick_late", "webhook", "status_webhook")
    merged = {name: Histogram() for name in histograms}
    for r in results:
        for name, histogram in merged.items():
            histogram.merge(Histogram.from_json(r[name]))
    jitter, jitter_all, turnaround = merged["jitter_steady"], merged["jitter"], merged["turnaround"]
    webhook, status_webhook = merged["webhook"], merged["status_webhook"]
    greeting, barge, reply = Histogram(), Histogram(), Histogram()
    for c in calls:
        if c["greeting_ms"] is not None:
            greeting.add(c["greeting_ms"])
        barge.extend(c["barge_in_ms"])
        reply.extend(c["reply_ms"])
    n = options.calls
    end_of_turn = get_settings().end_of_turn_ms
    idle = server.idle
    # PSS counts the pages the workers share once; summed RSS counts them once per worker.
    if server.pss_load_mb is not None and idle.pss_mb is not None:
        memory_basis, memory_per_call = "pss", (server.pss_load_mb - idle.pss_mb) / n
    else:
        memory_basis, memory_per_call = "rss", (server.rss_load_mb - idle.rss_mb) / n
    status_ok = sum(1 for c in calls if c["status_code"] and 200 <= c["status_code"] < 300)
    return {
        "calls": n,
        "seconds": options.seconds,
        # Calls that rang, were answered and started their stream, as the server's `calls_started` should say.
        "calls_placed": len(calls),
        "calls_completed": sum(1 for c in calls if c["ended"] == "completed"),
        "calls_failed": len(failures) + sum(1 for c in calls if c["ended"] != "completed"),
        "cpu_core_per_call": round(server.cores / n, 5),
        "server_cpu_cores": round(server.cores, 3),
        "server_cpu_cores_root": round(server.root_cores, 3),
        "server_cpu_cores_by_process": [round(c, 3) for c in server.cores_by_process],
        "server_processes": len(server.cores_by_process),
        "client_cpu_cores": round(client_cores, 3),
        "other_cpu_cores": round(other_cores, 3),
        # Steady state (the window); "_whole_run" includes the calls ringing and hanging up.
        "jitter_ms_p50": jitter.percentile(50),
        "jitter_ms_p99": jitter.percentile(99),
        "jitter_ms_max": jitter.max(),
        "late_frames": sum(c["late_frames_steady"] for c in calls),
        "underrun_frames": sum(c["underrun_frames_steady"] for c in calls),
        "lost_frames": sum(c["lost_frames"] for c in calls),
        "jitter_ms_p99_whole_run": jitter_all.percentile(99),
        "late_frames_whole_run": sum(c["late_frames"] for c in calls),
        "underrun_frames_whole_run": sum(c["underrun_frames"] for c in calls),
        "server_turnaround_ms_p50": turnaround.percentile(50),
        "server_turnaround_ms_p99": turnaround.percentile(99),
        "frames_received": sum(c["frames_received"] for c in calls),
        "sentences_received": sum(c["segments"] for c in calls),
        "webhook_ms_p50": webhook.percentile(50),
        "webhook_ms_p95": webhook.percentile(95),
        "webhook_ms_max": webhook.max(),
        "status_webhook_ms_p50": status_webhook.percentile(50),
        "status_webhook_ms_p95": status_webhook.percentile(95),
        "status_webhook_ms_max": status_webhook.max(),
        "status_callbacks_ok": status_ok,
        "status_callbacks_failed": len(calls) - status_ok,
        # What the server answered, by HTTP status ("0": no answer, "None": never sent before the callers stopped).
        "status_callback_codes": dict(sorted(Counter(str(c["status_code"]) for c in calls).items())),
        "greeting_ms_p50": greeting.percentile(50),
        "greeting_ms_p95": greeting.percentile(95),
        "greeting_ms_p99": greeting.percentile(99),
        "barge_in_ms_p50": barge.percentile(50),
        "barge_in_ms_p95": barge.percentile(95),
        "barge_ins": barge.total,
        "barge_ins_missed": sum(c["barge_ins_missed"] for c in calls),
        "reply_ms_p50": reply.percentile(50),
        "reply_ms_p95": reply.percentile(95),
        "reply_timeouts": sum(c["reply_timeouts"] for c in calls),
        "memory_mb_per_call": round(memory_per_call, 2),
        "memory_basis": memory_basis,
        "memory_mb_per_call_rss": round((server.rss_load_mb - idle.rss_mb) / n, 2),
        # Summed over the server's processes; RSS counts shared pages once per process, PSS once in all.
        "server_rss_idle_mb": round(idle.rss_mb, 1),
        "server_rss_load_mb": round(server.rss_load_mb, 1),
        "server_pss_idle_mb": None if idle.pss_mb is None else round(idle.pss_mb, 1),
        "server_pss_load_mb": None if server.pss_load_mb is None else round(server.pss_load_mb, 1),
        # The load alone (the warm-up calls taken out), from the server's `/metrics`.
        "server_metrics": server.counts,
        "client_tick_late_ms_p99": merged["tick_late"].percentile(99),
        "client_send_stalls": sum(c["send_stalls"] for c in calls),
        "protocol_errors": sum(c["errors"] for c in calls),
        "failures": failures[:10],
        "status_failures": status_failures[:10],
        "window_s": round(window_s, 1),
        "inputs": {
            "calls": n,
            "seconds": options.seconds,
            "client_procs": options.client_procs,
            "workers": options.workers,
            "warmup": options.warmup,
            "ramp_s": options.ramp,
            "stt_delay_ms": options.stt_delay_ms,
            "tts_delay_ms": options.tts_delay_ms,
            "barge_at_ms": options.barge_at_ms,
            "end_of_turn_ms": end_of_turn,
            "agent_sentence_ms": TONE_MS,
            "caller_sentence_ms": speech_ms,
            "uvicorn_ws": options.ws or "websockets-sansio",
            "uvicorn_loop": options.loop or "auto",
            "priority": options.priority,
        },
        "machine": machine,
    }
