"""The steps of a delivery, each a Nornir task on one host that never raises and returns
what it saw: read the baseline, stage (load, diff, commit), check after the commit over a
fresh connection (drift, verification), finish (confirm or roll back), reconnect; and
:func:`run_phase`, which runs one of them threaded on some hosts."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from nornir.core import Nornir
from nornir.core.task import Result, Task
from rich.progress import Progress

from govnet.inventory.judgement import regressions
from govnet.inventory.verification import Check, VerifyResult, retry_until
from govnet.ipv6.live import _root_error, failure_reason

Verify = Callable[[Task], VerifyResult]
Clock = Callable[[], float]
DRIFT_LINES = 5
# A production verification is dozens of show commands and getters: retried every few
# seconds, not in a tight loop (the lab's verifier retries its cheap reads on its own).
SETTLE_INTERVAL_S = 5.0
# A drift check that could not run counts as drift: what runs on the device is unknown.
DRIFT_UNCHECKED = "the drift check failed: "
# How devices print a secret they stored in their own form: Junos ``$9$``, VRP's cipher texts
# (``%^%#…``, ``%#%#…``, ``%@%@…``, ``%+%#…``, ``$1a$…``). A line that carries a secret never
# compares equal to the candidate (the device re-encrypts it with a salt of its own), so it is
# never drift; whether the secret works is for the login and the sessions to show.
DEVICE_SECRET_FORMS = re.compile(r"\$9\$|%\^%#|%#%#|%@%@|%\+%#|\$1[a-d]\$")
# Lines of a diff that only say where a change is (Junos ``[edit …]``, unified-diff headers).
DIFF_CONTEXT = re.compile(r"\s*(\[edit\b.*\]|\+\+\+ |--- |@@ )")
PENDING_ELSEWHERE = (
    "a confirmed commit is already pending on the device (another session's): nothing sent"
)
T = TypeVar("T")


@dataclass(frozen=True)
class Delivery:
    """What one host gets: its config (secrets resolved), the values to mask in reports,
    replace or merge, its verification (None: a plain commit, no confirm timer) and its
    confirm timer (None: the rollout's)."""

    config: str
    secrets: Mapping[str, str] = field(default_factory=dict)
    replace: bool = False
    verify: Verify | None = None
    platform: str = ""
    revert_in: int | None = None
    # how the host is judged before the change, against what it should run now (a change
    # that adds sessions or a locator would fail the new checks before it is sent); None:
    # the same checks as after
    baseline_verify: Verify | None = None


# --- phases: each a Nornir task that never raises, returning what it saw


@dataclass(frozen=True)
class Staged:
    diff: str = ""
    committed: bool = False
    error: str = ""
    seconds: float = 0.0
    # the run's clock just before commit_config and once it returned: the device's timer
    # started in between
    commit_window: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Checked:
    unreachable: str = ""
    drift: str = ""
    verification: VerifyResult | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Done:
    error: str = ""
    seconds: float = 0.0


def _close(task: Task, connection: str) -> None:
    """Close the host's connection; a session that is already gone is fine."""
    with contextlib.suppress(Exception):  # closing a dead session may fail any way it likes
        task.host.close_connection(connection)


def _load(device: Any, delivery: Delivery) -> None:
    if delivery.replace:
        device.load_replace_candidate(config=delivery.config)
    else:
        device.load_merge_candidate(config=delivery.config)


def _clean_up(device: Any, reason: str, committing: bool) -> str:
    """Discard the candidate and, when the commit itself failed, cancel a confirmed commit
    the device may have started anyway; failures to do so are added to the reason, never
    raised."""
    try:
        device.discard_config()
    except Exception as error:
        reason += f"; discard_config failed too: {failure_reason(error)}"
    if not committing:
        return reason
    try:
        if device.has_pending_commit():
            device.rollback()
    except Exception as error:
        reason += f"; cancelling a pending commit failed: {failure_reason(error)}"
    return reason


def stage(
    task: Task,
    delivery: Delivery,
    connection: str,
    commit: bool,
    revert_in: int | None,
    now: Clock = time.monotonic,
) -> Staged:
    """Load the candidate and diff it; with ``commit`` and a diff, commit it (confirmed when
    ``revert_in``). The connection is closed afterwards: what follows uses a fresh one."""
    clock = time.monotonic()
    try:
        device = task.host.get_connection(connection, task.nornir.config)
    except Exception as error:
        return Staged(error=failure_reason(error), seconds=time.monotonic() - clock)
    diff = ""
    committing = False
    try:
        # Someone else's confirmed commit waits for its confirmation: pushing on top of it
        # would mix two changes, and cancelling it after a failed commit of ours would undo
        # theirs. Checked first, a pending commit after a failed commit can only be ours.
        if commit and device.has_pending_commit():
            return Staged(error=PENDING_ELSEWHERE, seconds=time.monotonic() - clock)
        _load(device, delivery)
        diff = str(device.compare_config() or "")
        if not commit or not diff.strip():
            device.discard_config()
            return Staged(diff=diff, seconds=time.monotonic() - clock)
        committing = True
        started = now()
        if revert_in is None:
            device.commit_config()
        else:
            device.commit_config(revert_in=revert_in)
        window = (started, now())
    except Exception as error:
        reason = _clean_up(device, failure_reason(error), committing)
        return Staged(diff=diff, error=reason, seconds=time.monotonic() - clock)
    finally:
        _close(task, connection)
    return Staged(diff=diff, committed=True, seconds=time.monotonic() - clock, commit_window=window)


def drifted_lines(diff: str, secrets: Mapping[str, str]) -> list[str]:
    """The lines of a post-commit diff that show the device does not run what was pushed:
    every changed line but those carrying a secret (its value as sent, or the device's own
    encrypted form of it) and those that only give a change's context."""
    values = [value for value in secrets.values() if value]
    return [
        line
        for line in diff.splitlines()
        if line.strip()
        and not DIFF_CONTEXT.match(line)
        and not DEVICE_SECRET_FORMS.search(line)
        and not any(value in line for value in values)
    ]


def _first_lines(diff: str) -> str:
    lines = [line for line in diff.splitlines() if line.strip()]
    more = f" (+{len(lines) - DRIFT_LINES} more lines)" if len(lines) > DRIFT_LINES else ""
    return " | ".join(lines[:DRIFT_LINES]) + more


def _verify_safely(verify: Verify, task: Task) -> VerifyResult:
    try:
        return verify(task)
    except Exception as error:
        return VerifyResult(
            checks=(Check(name="verification", status="failed", detail=failure_reason(error)),)
        )


def check_after_commit(
    task: Task,
    delivery: Delivery,
    connection: str,
    baseline: VerifyResult | None,
    settle_until: float,
) -> Checked:
    """Over a fresh connection: the drift check (the same candidate again must show no diff),
    then the verification, retried while it shows regressions until ``settle_until``
    (``time.monotonic``): one deadline for the whole batch, so that hosts waiting for a worker
    do not push the confirmations back."""
    clock = time.monotonic()
    try:
        device = task.host.get_connection(connection, task.nornir.config)
    except Exception as error:
        return Checked(unreachable=failure_reason(error), seconds=time.monotonic() - clock)
    try:
        _load(device, delivery)
        diff = str(device.compare_config() or "")
        device.discard_config()
        drift = "\n".join(drifted_lines(diff, delivery.secrets))
    except Exception as error:
        drift = f"{DRIFT_UNCHECKED}{failure_reason(error)}"
    if drift.strip():
        return Checked(drift=_first_lines(drift), seconds=time.monotonic() - clock)
    assert delivery.verify is not None
    verify = delivery.verify
    verification = retry_until(
        lambda: _verify_safely(verify, task),
        lambda result: not regressions(baseline, result),
        max(0.0, settle_until - time.monotonic()),
        SETTLE_INTERVAL_S,
    )
    return Checked(verification=verification, seconds=time.monotonic() - clock)


def finish(task: Task, connection: str, confirm: bool) -> Done:
    """``confirm_commit()`` or ``rollback()`` on the host's current (fresh) connection."""
    clock = time.monotonic()
    try:
        device = task.host.get_connection(connection, task.nornir.config)
        if confirm:
            device.confirm_commit()
        else:
            device.rollback()
    except Exception as error:
        return Done(error=failure_reason(error), seconds=time.monotonic() - clock)
    return Done(seconds=time.monotonic() - clock)


@dataclass(frozen=True)
class Reconnected:
    unreachable: str = ""
    still_changed: bool = False  # the candidate shows no diff: the change is still running
    unreadable: str = ""  # reachable, but the comparison failed
    seconds: float = 0.0


def reconnect(task: Task, delivery: Delivery, connection: str) -> Reconnected:
    """Once its confirm timer has run out: is the host reachable again, and is the change
    gone (the candidate shows a diff again)?"""
    clock = time.monotonic()
    try:
        device = task.host.get_connection(connection, task.nornir.config)
    except Exception as error:
        return Reconnected(unreachable=failure_reason(error), seconds=time.monotonic() - clock)
    try:
        _load(device, delivery)
        diff = str(device.compare_config() or "")
        device.discard_config()
    except Exception as error:
        return Reconnected(unreadable=failure_reason(error), seconds=time.monotonic() - clock)
    finally:
        _close(task, connection)
    return Reconnected(still_changed=not diff.strip(), seconds=time.monotonic() - clock)


def read_baseline(task: Task, verify: Verify) -> tuple[VerifyResult | str, float]:
    """The host's verification before any change, or why it could not be read; seconds."""
    clock = time.monotonic()
    try:
        return verify(task), time.monotonic() - clock
    except Exception as error:
        return failure_reason(error), time.monotonic() - clock


# --- running a phase on some hosts


def run_phase(
    nornir: Nornir,
    hosts: Sequence[str],
    step: Callable[[Task], T],
    fallback: Callable[[str], T],
    label: str,
    progress: Progress | None,
) -> dict[str, T]:
    """``step`` on each of ``hosts`` (threaded); an error that escapes it becomes
    ``fallback(reason)``."""
    if not hosts:
        return {}
    wanted = set(hosts)
    bar = None if progress is None else progress.add_task(label, total=len(wanted))

    def counted(task: Task) -> Result:
        try:
            return Result(host=task.host, result=step(task))
        finally:
            if progress is not None and bar is not None:
                progress.update(bar, advance=1, description=f"{label}: {task.host.name}")

    selected = nornir.filter(filter_func=lambda host: host.name in wanted)
    results = selected.run(task=counted, name=f"govnet {label}", on_failed=True)
    found: dict[str, T] = {}
    for name, result in results.items():
        if len(result) and not result.failed:
            found[name] = result[0].result
        else:
            error = _root_error(result)
            found[name] = fallback(failure_reason(error) if error else "failed")
    return found


def close_all(nornir: Nornir, hosts: Sequence[str]) -> None:
    wanted = set(hosts)
    if not wanted:
        return
    nornir.filter(filter_func=lambda host: host.name in wanted).close_connections(
        on_good=True, on_failed=True
    )
