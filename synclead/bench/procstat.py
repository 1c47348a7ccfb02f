"""CPU time and memory of a process tree, read from /proc (Linux), without extra dependencies.

A gateway with several workers is a supervisor and its children: every figure here is summed over the whole tree,
so the server's cost is the same thing whether it runs as one process or many.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True, slots=True)
class Usage:
    cpu_s: float
    rss_mb: float
    # Proportional set size: each shared page divided among the processes that map it. Summed RSS counts the
    # pages the workers share (libraries, the interpreter) once per worker; PSS counts them once in all.
    # None when asked not to read it, or where /proc/PID/smaps_rollup cannot be read.
    pss_mb: float | None = None
    cpu_by_pid: dict[int, float] = field(default_factory=dict)

    @property
    def processes(self) -> int:
        return len(self.cpu_by_pid)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except FileNotFoundError:
            # A kernel built without CONFIG_PROC_CHILDREN has no such file: find them by their parent instead.
            return _children_by_ppid(pid)
        except OSError:
            continue  # the thread exited meanwhile
    return found


def _children_by_ppid(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _cpu_and_rss(pid: int) -> tuple[float, float]:
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name may contain spaces and parentheses: the fields that matter follow the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    # utime, stime, and the same for children already exited and reaped: a worker that dies and is replaced
    # mid-measurement keeps its CPU time in the tree's total.
    ticks = sum(int(v) for v in fields[11:15])
    rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return ticks / _TICKS, rss_pages * _PAGE / 2**20


def _pss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def usage(pid: int, *, pss: bool = False) -> Usage:
    """CPU seconds used so far and memory, summed over `pid` and its live descendants.

    `pss` also reads each process's proportional set size (a few milliseconds per large process, as the kernel
    walks its mappings): ask for it where memory matters, not on every CPU reading.
    """
    pending, rss, pss_total = [pid], 0.0, 0.0
    cpu_by_pid: dict[int, float] = {}
    pss_known = pss
    while pending:
        current = pending.pop()
        try:
            cpu_s, rss_mb = _cpu_and_rss(current)
            pending.extend(_children(current))
        except (OSError, ValueError):
            continue  # exited meanwhile
        cpu_by_pid[current] = cpu_s
        rss += rss_mb
        if pss_known:
            one = _pss_mb(current)
            if one is None:
                pss_known = False
            else:
                pss_total += one
    return Usage(sum(cpu_by_pid.values()), rss, pss_total if pss_known else None, cpu_by_pid)


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
