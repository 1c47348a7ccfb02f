"""What the whole suite shares: which tests run one after another when pytest-xdist spreads them over processes.

`./run test` runs one worker process per core (`-n auto --dist loadgroup`). Each worker has its own data directory
and database (synclead/web/settings_test.py), and every server a test starts takes a free port, so any two tests may
run side by side unless they share a group below: a group's tests all go to one worker, in turn.
"""

from __future__ import annotations

from typing import Any

import pytest

# By path, not by `xdist_group` marks: with pytest 9.2 and pytest-xdist 3.8 those marks are silently ignored
# (pytest-xdist#1386), so the groups are given to the scheduler directly.
GROUPS: dict[str, tuple[str, ...]] = {
    # Deployments of several processes (gateways behind HAProxy, workers, benchmark servers, processes killed on
    # purpose) that each take most of a 2-core machine, some with load thresholds or deadlines; and the cluster tests
    # draw their Redis database at random from a dozen, so two clusters at once could share one.
    "processes": (
        "tests/scale/",
        "tests/faults/",
        "tests/bench/test_bench_smoke.py",
        "tests/notifications/test_call_notifies.py",
        "tests/notifications/test_outbox.py",
    ),
}


def group_of(nodeid: str) -> str | None:
    for group, paths in GROUPS.items():
        if nodeid.startswith(paths):
            return group
    return None


@pytest.hookimpl(optionalhook=True)  # the hook exists only while xdist is loaded (not with `-p no:xdist`)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class PathGroupScheduling(LoadGroupScheduling):
        """xdist's loadgroup (a test on its own is a unit of work, a group is one), with the groups above."""

        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid) or super()._split_scope(nodeid)

    return PathGroupScheduling(config, log)
