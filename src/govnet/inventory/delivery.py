"""The staged commit-confirmed delivery of rendered configs, one implementation for production
(NAPALM) and the lab (``frr_netns``).

baseline -> canary -> batches; per batch: load and diff, ``commit_config(revert_in=T)``, close
that connection, open a fresh one (a change that cut the management path shows here), load the
same candidate again (a diff now means the device did not take what was pushed), verify, judge
every host against its baseline (:mod:`govnet.inventory.judgement`), then confirm or roll back.
A host that cannot be reached after its commit is sent nothing more: its own confirm timer
reverts it; at the end the run waits for the latest such timer and tries each once more.

Every phase runs threaded through Nornir; a host's failure never stops the others, only the
canary and ``max_failures`` stop later batches.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from nornir.core import Nornir
from nornir.core.task import Result, Task
from rich.progress import Progress

from govnet.inventory.judgement import Verdict, judge, regressions
from govnet.inventory.push_report import FAILING, CommitStep, HostPush, PushReport, PushStatus
from govnet.inventory.rollout import Rollout, plan_batches
from govnet.inventory.secrets import mask_secrets
from govnet.inventory.verification import Check, VerifyResult, retry_until
from govnet.ipv6.live import _quiet_library_loggers, _root_error, failure_reason

Verify = Callable[[Task], VerifyResult]
Clock = Callable[[], float]
Sleep = Callable[[float], None]

# After the latest confirm timer has run out, the devices still need a moment to roll back.
REVERT_GRACE_S = 15.0
DRIFT_LINES = 5
T = TypeVar("T")


@dataclass(frozen=True)
class Delivery:
    """What one host gets: its config (secrets resolved), the values to mask in reports,
    replace or merge, and its verification (None: a plain commit, no confirm timer)."""

    config: str
    secrets: Mapping[str, str] = field(default_factory=dict)
    replace: bool = False
    verify: Verify | None = None
    platform: str = ""


@dataclass
class _Host:
    """One host's record while the run goes on; only the main thread writes it."""

    name: str
    delivery: Delivery
    status: PushStatus = "skipped"
    reason: str = ""
    batch: int | None = None
    baseline: VerifyResult | None = None
    diff: str = ""
    commit: CommitStep = "none"
    committed_at: float | None = None
    revert_in: int | None = None
    drift: str = ""
    verification: VerifyResult | None = None
    verdict: Verdict | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def report(self) -> HostPush:
        values = self.delivery.secrets
        return HostPush(
            host=self.name,
            platform=self.delivery.platform,
            status=self.status,
            reason=mask_secrets(self.reason, values),
            batch=self.batch,
            baseline=self.baseline,
            diff=mask_secrets(self.diff, values),
            commit=self.commit,
            revert_in=self.revert_in,
            drift=mask_secrets(self.drift, values),
            verification=self.verification,
            verdict=self.verdict,
            timings={k: round(v, 3) for k, v in self.timings.items()},
        )


# --- phases: each a Nornir task that never raises, returning what it saw


@dataclass(frozen=True)
class Staged:
    diff: str = ""
    committed: bool = False
    error: str = ""
    seconds: float = 0.0


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
    task: Task, delivery: Delivery, connection: str, commit: bool, revert_in: int | None
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
        _load(device, delivery)
        diff = str(device.compare_config() or "")
        if not commit or not diff.strip():
            device.discard_config()
            return Staged(diff=diff, seconds=time.monotonic() - clock)
        committing = True
        if revert_in is None:
            device.commit_config()
        else:
            device.commit_config(revert_in=revert_in)
    except Exception as error:
        reason = _clean_up(device, failure_reason(error), committing)
        return Staged(diff=diff, error=reason, seconds=time.monotonic() - clock)
    finally:
        _close(task, connection)
    return Staged(diff=diff, committed=True, seconds=time.monotonic() - clock)


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
    settle: float,
) -> Checked:
    """Over a fresh connection: the drift check (the same candidate again must show no diff),
    then the verification, retried for up to ``settle`` seconds while it shows regressions."""
    clock = time.monotonic()
    try:
        device = task.host.get_connection(connection, task.nornir.config)
    except Exception as error:
        return Checked(unreachable=failure_reason(error), seconds=time.monotonic() - clock)
    try:
        _load(device, delivery)
        drift = str(device.compare_config() or "")
        device.discard_config()
    except Exception as error:
        drift = f"the drift check failed: {failure_reason(error)}"
    if drift.strip():
        return Checked(drift=_first_lines(drift), seconds=time.monotonic() - clock)
    assert delivery.verify is not None
    verify = delivery.verify
    verification = retry_until(
        lambda: _verify_safely(verify, task),
        lambda result: not regressions(baseline, result),
        settle,
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


def reconnect(task: Task, connection: str) -> Done:
    """Open a connection (and close it): is the host reachable again?"""
    clock = time.monotonic()
    try:
        task.host.get_connection(connection, task.nornir.config)
    except Exception as error:
        return Done(error=failure_reason(error), seconds=time.monotonic() - clock)
    _close(task, connection)
    return Done(seconds=time.monotonic() - clock)


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


def _close_all(nornir: Nornir, hosts: Sequence[str]) -> None:
    wanted = set(hosts)
    if not wanted:
        return
    nornir.filter(filter_func=lambda host: host.name in wanted).close_connections(
        on_good=True, on_failed=True
    )


# --- the whole run


@dataclass
class _Run:
    nornir: Nornir
    hosts: dict[str, _Host]
    rollout: Rollout
    connection: str
    progress: Progress | None
    clock: Clock
    sleep: Sleep

    def phase(
        self,
        names: Sequence[str],
        step: Callable[[Task], T],
        fallback: Callable[[str], T],
        label: str,
    ) -> dict[str, T]:
        return run_phase(self.nornir, names, step, fallback, label, self.progress)

    def revert_seconds(self, host: _Host) -> int:
        if host.committed_at is None:
            return 0
        left = host.committed_at + self.rollout.confirm_timeout - self.clock()
        return max(0, round(left))

    def reverting(self, host: _Host, why: str) -> None:
        host.status = "reverting"
        host.reason = (
            f"{why}: the device reverts by its confirm timer in {self.revert_seconds(host)} s"
        )


def _diff_only(run: _Run, names: Sequence[str]) -> None:
    def step(task: Task) -> Staged:
        return stage(task, run.hosts[task.host.name].delivery, run.connection, False, None)

    try:
        staged = run.phase(names, step, lambda why: Staged(error=why), "diffing")
    finally:
        _close_all(run.nornir, names)
    for name, outcome in staged.items():
        host = run.hosts[name]
        host.diff, host.timings["diff"] = outcome.diff, outcome.seconds
        if outcome.error:
            host.status, host.reason = "failed", outcome.error
        else:
            host.status = "would change" if outcome.diff.strip() else "unchanged"


def _take_baseline(run: _Run, names: Sequence[str]) -> dict[str, VerifyResult | str]:
    def step(task: Task) -> tuple[VerifyResult | str, float]:
        verify = run.hosts[task.host.name].delivery.verify
        assert verify is not None
        return read_baseline(task, verify)

    try:
        found = run.phase(names, step, lambda why: (why, 0.0), "baseline")
    finally:
        _close_all(run.nornir, names)
    baseline: dict[str, VerifyResult | str] = {}
    for name, (result, seconds) in found.items():
        run.hosts[name].timings["baseline"] = seconds
        baseline[name] = result
        if isinstance(result, VerifyResult):
            run.hosts[name].baseline = result
    return baseline


def refusal(baseline: Mapping[str, VerifyResult | str]) -> str:
    """Why the baseline forbids a commit: every host already failing or unreachable, and what
    fails; "" when every host passes."""
    problems = []
    for name, result in sorted(baseline.items()):
        if isinstance(result, str):
            problems.append(f"{name}: unreachable ({result})")
        elif not result.ok:
            problems.append(f"{name}: {result.summary()}")
    if not problems:
        return ""
    return (
        f"the baseline already fails on {len(problems)} host(s), nothing was sent "
        f"(--allow-degraded to push anyway): " + "; ".join(problems)
    )


def _commit_batch(run: _Run, batch: Sequence[str], index: int) -> list[str]:
    """Stage and commit every host of the batch; the hosts to check afterwards."""
    timeout = run.rollout.confirm_timeout

    def step(task: Task) -> Staged:
        delivery = run.hosts[task.host.name].delivery
        revert_in = timeout if delivery.verify is not None else None
        return stage(task, delivery, run.connection, True, revert_in)

    staged = run.phase(batch, step, lambda why: Staged(error=why), f"committing batch {index}")
    to_check: list[str] = []
    for name in batch:
        host, outcome = run.hosts[name], staged[name]
        host.batch, host.diff = index, outcome.diff
        host.timings["commit"] = outcome.seconds
        if outcome.error:
            host.status, host.commit, host.reason = "failed", "failed", outcome.error
        elif not outcome.committed:
            host.status = "unchanged"
        elif host.delivery.verify is None:
            host.status, host.commit = "committed", "committed"
        else:
            host.commit, host.committed_at, host.revert_in = "committed", run.clock(), timeout
            to_check.append(name)
    return to_check


def _judge_batch(
    run: _Run,
    checked: Mapping[str, Checked],
    baseline: Mapping[str, VerifyResult | str],
    batch: Sequence[str],
) -> dict[str, Verdict]:
    after = {n: c.verification for n, c in checked.items() if c.verification is not None}
    unreachable = {n for n, c in checked.items() if c.unreachable}
    unreachable |= {n for n, r in baseline.items() if isinstance(r, str)}
    failed_commits = {n for n in batch if run.hosts[n].commit == "failed"}
    failed_commits |= {n for n, c in checked.items() if c.drift}
    baselines = {n: r for n, r in baseline.items() if isinstance(r, VerifyResult)}
    return judge(baselines, after, unreachable, failed_commits)


def _check_and_settle(
    run: _Run, names: list[str], baseline: Mapping[str, VerifyResult | str], index: int
) -> None:
    def check(task: Task) -> Checked:
        prior = baseline.get(task.host.name)
        host = run.hosts[task.host.name]
        return check_after_commit(
            task,
            host.delivery,
            run.connection,
            prior if isinstance(prior, VerifyResult) else None,
            run.rollout.settle,
        )

    checked = run.phase(names, check, lambda why: Checked(unreachable=why), f"verifying {index}")
    verdicts = _judge_batch(run, checked, baseline, names)
    to_confirm, to_roll_back = [], []
    for name in names:
        host, outcome = run.hosts[name], checked[name]
        host.timings["check"] = outcome.seconds
        host.drift, host.verification = outcome.drift, outcome.verification
        host.verdict = verdicts.get(name)
        if outcome.unreachable:
            run.reverting(host, f"unreachable after commit ({outcome.unreachable})")
        elif host.verdict is not None and host.verdict.keep:
            if run.revert_seconds(host) <= 0:
                run.reverting(host, "verification outlasted the confirm timer")
            else:
                to_confirm.append(name)
        else:
            to_roll_back.append(name)

    def settle(task: Task) -> Done:
        return finish(task, run.connection, task.host.name in to_confirm)

    done = run.phase(
        to_confirm + to_roll_back, settle, lambda why: Done(error=why), f"confirming {index}"
    )
    for name in to_confirm:
        host = run.hosts[name]
        host.timings["confirm"] = done[name].seconds
        if done[name].error:
            run.reverting(host, f"confirm failed ({done[name].error})")
        else:
            host.status = "committed"
            if host.verdict is not None and host.verdict.excused:
                host.reason = f"kept; excused: {host.verdict.summary()}"
    for name in to_roll_back:
        host = run.hosts[name]
        host.timings["rollback"] = done[name].seconds
        if host.drift:
            why = f"device runs something else: {host.drift}"
        else:
            assert host.verdict is not None
            why = f"regression: {host.verdict.summary()}"
        if done[name].error:
            run.reverting(host, f"{why}; rollback failed ({done[name].error})")
        elif host.drift:
            host.status, host.reason = "failed", f"{why}; rolled back"
        else:
            host.status, host.reason = "rolled back", why


def _wait_for_reverts(run: _Run) -> None:
    """Wait once for the latest confirm timer of the reverting hosts, then try each again."""
    reverting = [h for h in run.hosts.values() if h.status == "reverting"]
    if not reverting:
        return
    latest = max(h.committed_at or 0.0 for h in reverting) + run.rollout.confirm_timeout
    wait = latest + REVERT_GRACE_S - run.clock()
    if wait > 0:
        run.sleep(wait)
    names = [h.name for h in reverting]
    try:
        done = run.phase(
            names, lambda task: reconnect(task, run.connection), lambda why: Done(error=why),
            "reconnecting",
        )  # fmt: skip
    finally:
        _close_all(run.nornir, names)
    for host in reverting:
        outcome = done[host.name]
        host.timings["reconnect"] = outcome.seconds
        cause = host.reason.split(": the device reverts")[0]
        if outcome.error:
            host.status = "unreachable"
            host.reason = (
                f"{cause}; still unreachable after its confirm timer ({outcome.error}): "
                "needs a person"
            )
        else:
            host.status, host.reason = "reverted", f"{cause}; reverted by its confirm timer"


def deliver(
    nornir: Nornir,
    deliveries: Mapping[str, Delivery],
    commit: bool,
    order: Sequence[str] | None = None,
    rollout: Rollout | None = None,
    connection: str = "napalm",
    progress: Progress | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> PushReport:
    """Deliver each host's config (dry run unless ``commit``) in ``order`` (default: by name),
    staged and confirmed per ``rollout``; the report of every host of ``deliveries``."""
    _quiet_library_loggers()
    rollout = rollout or Rollout()
    names = [n for n in (order or sorted(deliveries)) if n in deliveries]
    names += sorted(set(deliveries) - set(names))
    run = _Run(
        nornir=nornir,
        hosts={n: _Host(name=n, delivery=deliveries[n]) for n in names},
        rollout=rollout,
        connection=connection,
        progress=progress,
        clock=clock,
        sleep=sleep,
    )

    def reports(refused: str = "", stopped: str = "") -> PushReport:
        hosts = tuple(run.hosts[n].report() for n in sorted(run.hosts))
        return PushReport(commit=commit, hosts=hosts, refused=refused, stopped=stopped)

    if not commit:
        _diff_only(run, names)
        return reports()
    verified = [n for n in names if deliveries[n].verify is not None]
    baseline = _take_baseline(run, verified)
    refused = refusal(baseline)
    if refused and not rollout.allow_degraded:
        for host in run.hosts.values():
            host.reason = "refused: the baseline fails (see the report)"
        return reports(refused=refused)
    eligible = []
    for name in names:
        if isinstance(baseline.get(name), str):
            host = run.hosts[name]
            host.reason = f"unreachable before the change: {baseline[name]}"
        else:
            eligible.append(name)
    stopped = ""
    failures = 0
    batches = plan_batches(eligible, rollout.canary, rollout.batch_size)
    for index, batch in enumerate(batches):
        if stopped:
            for name in batch:
                run.hosts[name].batch, run.hosts[name].reason = index, stopped
            continue
        try:
            to_check = _commit_batch(run, batch, index)
            _check_and_settle(run, to_check, baseline, index)
        finally:
            _close_all(run.nornir, batch)
        failed_here = sum(run.hosts[n].status in FAILING for n in batch)
        failures += failed_here
        if rollout.canary and index == 0 and failed_here:
            stopped = "canary failed"
        elif rollout.max_failures and failures >= rollout.max_failures:
            stopped = f"aborted after {failures} failures"
    _wait_for_reverts(run)
    return reports(stopped=stopped)
