"""`synclead bench`: the gateway in its own process, N simulated callers in others, and what both measured.

The server's CPU and memory are read from /proc over a steady-state window (every call connected and greeted,
none yet hung up), so set-up and tear-down do not flatter or burden the per-call figures.
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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from synclead.bench import procstat
from synclead.bench.audio import TONE_MS, render_caller_speech, save_mulaw
from synclead.bench.loadgen import LoadConfig
from synclead.bench.server import BENCH_NUMBER
from synclead.bench.stats import Histogram
from synclead.engine.ports import SAMPLE_RATE
from synclead.simulator.servers import bind_free_port, serving
from synclead.simulator.twilio_rest import TwilioRestEmulator

# Greeting, first turn and first reply take about this long: the steady-state window opens after it.
SETTLE_S = 3.0


@dataclass(frozen=True, slots=True)
class BenchOptions:
    calls: int
    seconds: float = 30.0
    client_procs: int = 1
    stt_delay_ms: int = 100
    tts_delay_ms: int = 50
    barge_at_ms: int = 600
    ramp_s: float | None = None
    ws: str = ""
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


async def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise BenchError(f"the bench server exited with status {server.returncode}: {_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                await client.get(url + "/login/")
                return
            await asyncio.sleep(0.2)
    raise BenchError(f"the bench server did not answer within {timeout_s:.0f} s")


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
        args = ["--port", str(port), "--data-dir", str(self.work / "server"), *(["--ws", o.ws] if o.ws else [])]
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
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(10)
        except subprocess.TimeoutExpired:
            self.server.kill()
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
                await _wait_ready(run.url, run.server, run.work / "server.log")
                return await _measure(run, options, machine, len(speech))
            finally:
                run.stop_server()


async def _measure(run: Run, options: BenchOptions, machine: dict[str, Any], speech_samples: int) -> dict[str, Any]:
    assert run.server is not None
    pid = run.server.pid
    if options.warmup:
        # One short call first: the imports, the first Django requests and the VAD's first runs are start-up
        # costs, not per-call ones.
        warm = run.load_processes(1, 4.0, time.time() + 1.0, 0.0, 1, "warmup")
        await _finish(warm, 60)
        await asyncio.sleep(1.0)
    idle = procstat.usage(pid)

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
    rss_peak = server_0.rss_mb
    while time.time() < window_end:
        await asyncio.sleep(min(0.5, max(0.0, window_end - time.time())))
        rss_peak = max(rss_peak, procstat.usage(pid).rss_mb)
    server_1, client_1, t1 = procstat.usage(pid), _clients_cpu(clients), time.monotonic()
    machine_1 = procstat.machine_cpu()
    results = await _finish(processes, options.seconds + ramp + 60)
    wall = t1 - t0
    server_cores, client_cores = (server_1.cpu_s - server_0.cpu_s) / wall, (client_1 - client_0) / wall
    # Whatever else ran on the machine meanwhile: on a shared machine it competes with both sides.
    other_cores = max(0.0, (machine_1[0] - machine_0[0]) / wall - server_cores - client_cores)
    return _report(
        options,
        machine,
        results,
        server_cores=server_cores,
        client_cores=client_cores,
        other_cores=other_cores,
        window_s=wall,
        rss_idle=idle.rss_mb,
        rss_load=rss_peak,
        speech_ms=speech_samples * 1000 // SAMPLE_RATE,
    )


def _clients_cpu(pids: list[int]) -> float:
    return sum(procstat.usage(pid).cpu_s for pid in pids)


def _report(
    options: BenchOptions,
    machine: dict[str, Any],
    results: list[dict[str, Any]],
    *,
    server_cores: float,
    client_cores: float,
    other_cores: float,
    window_s: float,
    rss_idle: float,
    rss_load: float,
    speech_ms: int,
) -> dict[str, Any]:
    from synclead.config import get_settings

    calls = [c for r in results for c in r["calls"]]
    failures = [f for r in results for f in r["failures"]]
    merged = {name: Histogram() for name in ("jitter", "jitter_steady", "turnaround", "tick_late")}
    for r in results:
        for name, histogram in merged.items():
            histogram.merge(Histogram.from_json(r[name]))
    jitter, jitter_all, turnaround = merged["jitter_steady"], merged["jitter"], merged["turnaround"]
    greeting, barge, reply = Histogram(), Histogram(), Histogram()
    for c in calls:
        if c["greeting_ms"] is not None:
            greeting.add(c["greeting_ms"])
        barge.extend(c["barge_in_ms"])
        reply.extend(c["reply_ms"])
    n = options.calls
    end_of_turn = get_settings().end_of_turn_ms
    return {
        "calls": n,
        "seconds": options.seconds,
        "calls_completed": sum(1 for c in calls if c["ended"] == "completed"),
        "calls_failed": len(failures) + sum(1 for c in calls if c["ended"] != "completed"),
        "cpu_core_per_call": round(server_cores / n, 5),
        "server_cpu_cores": round(server_cores, 3),
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
        "greeting_ms_p50": greeting.percentile(50),
        "greeting_ms_p99": greeting.percentile(99),
        "barge_in_ms_p50": barge.percentile(50),
        "barge_in_ms_p95": barge.percentile(95),
        "barge_ins": barge.total,
        "barge_ins_missed": sum(c["barge_ins_missed"] for c in calls),
        "reply_ms_p50": reply.percentile(50),
        "reply_ms_p95": reply.percentile(95),
        "reply_timeouts": sum(c["reply_timeouts"] for c in calls),
        "memory_mb_per_call": round((rss_load - rss_idle) / n, 2),
        "server_rss_idle_mb": round(rss_idle, 1),
        "server_rss_load_mb": round(rss_load, 1),
        "client_tick_late_ms_p99": merged["tick_late"].percentile(99),
        "client_send_stalls": sum(c["send_stalls"] for c in calls),
        "protocol_errors": sum(c["errors"] for c in calls),
        "failures": failures[:10],
        "window_s": round(window_s, 1),
        "inputs": {
            "calls": n,
            "seconds": options.seconds,
            "client_procs": options.client_procs,
            "ramp_s": options.ramp,
            "stt_delay_ms": options.stt_delay_ms,
            "tts_delay_ms": options.tts_delay_ms,
            "barge_at_ms": options.barge_at_ms,
            "end_of_turn_ms": end_of_turn,
            "agent_sentence_ms": TONE_MS,
            "caller_sentence_ms": speech_ms,
            "uvicorn_ws": options.ws or "websockets-sansio",
            "priority": options.priority,
        },
        "machine": machine,
    }
