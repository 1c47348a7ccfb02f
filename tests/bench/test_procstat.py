"""A process tree's CPU and memory, read from /proc: the children count as much as the parent."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

from synclead.bench import procstat

# A parent that starts a child, which burns CPU for a moment and says so. The parent reaps it when told to, then
# waits again: its children's time must stay in the total once they are gone, as a replaced worker's does.
_TREE = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time\\nt = time.process_time()\\n"
    "while time.process_time() - t < 0.3: pass\\nprint('busy', flush=True)\\ntime.sleep(30)"],
    stdout=subprocess.PIPE, text=True)
child.stdout.readline()
print(child.pid, flush=True)
sys.stdin.readline()
child.wait()
print("reaped", flush=True)
sys.stdin.readline()
"""


def test_usage_sums_the_whole_tree_and_keeps_what_reaped_children_used() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _TREE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert parent.stdin is not None and parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        tree = procstat.usage(parent.pid, pss=True)
        assert set(tree.cpu_by_pid) == {parent.pid, child} and tree.processes == 2
        assert tree.cpu_by_pid[child] >= 0.25  # the child's busy loop is in the tree's total
        assert tree.cpu_s == sum(tree.cpu_by_pid.values())
        assert tree.rss_mb > procstat.usage(child).rss_mb > 0
        if tree.pss_mb is not None:  # smaps_rollup: Linux 4.14 and later
            assert 0 < tree.pss_mb <= tree.rss_mb
        assert procstat.usage(parent.pid).pss_mb is None  # only read when asked for
        assert procstat._children_by_ppid(parent.pid) == procstat._children(parent.pid) == [child]

        os.kill(child, signal.SIGTERM)
        parent.stdin.write("\n")
        parent.stdin.flush()
        assert parent.stdout.readline().strip() == "reaped"
        alone = procstat.usage(parent.pid)
        assert alone.processes == 1 and alone.cpu_s >= tree.cpu_s
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
        parent.kill()
        parent.wait(10)


def test_a_process_that_is_gone_uses_nothing() -> None:
    gone = procstat.usage(2**22 + 1)  # above the kernel's largest pid: never a live process
    assert (gone.cpu_s, gone.rss_mb, gone.processes) == (0.0, 0.0, 0)
