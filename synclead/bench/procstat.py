"""CPU time and memory of a process and its children, read from /proc (Linux), without extra dependencies."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True, slots=True)
class Usage:
    cpu_s: float
    rss_mb: float


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _one(pid: int) -> Usage:
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name may contain spaces and parentheses: the fields that matter follow the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return Usage((utime + stime) / _TICKS, rss_pages * _PAGE / 2**20)


def usage(pid: int) -> Usage:
    """CPU seconds used so far and resident memory, summed over `pid` and its live descendants."""
    pending, cpu, rss = [pid], 0.0, 0.0
    while pending:
        current = pending.pop()
        try:
            one = _one(current)
            pending.extend(_children(current))
        except (OSError, ValueError):
            continue  # exited meanwhile
        cpu += one.cpu_s
        rss += one.rss_mb
    return Usage(cpu, rss)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores together, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user time
    return (total - idle) / _TICKS, total / _TICKS


def machine() -> dict[str, object]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        memory_kb = 0
    import platform

    return {
        "cpu_model": model,
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpus_total": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg_before": os.getloadavg(),
    }
