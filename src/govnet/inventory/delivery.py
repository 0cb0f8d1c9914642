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

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from nornir.core import Nornir
from nornir.core.task import Task
from rich.progress import Progress

from govnet.inventory.delivery_steps import (
    DRIFT_UNCHECKED,
    Checked,
    Clock,
    Delivery,
    Done,
    Reconnected,
    Staged,
    check_after_commit,
    close_all,
    finish,
    read_baseline,
    reconnect,
    run_phase,
    stage,
)
from govnet.inventory.judgement import Verdict, judge
from govnet.inventory.platforms import DEVICE_CONNECTION
from govnet.inventory.push_report import FAILING, CommitStep, HostPush, PushReport, PushStatus
from govnet.inventory.rollout import Rollout, plan_batches
from govnet.inventory.secrets import mask_secrets
from govnet.inventory.verification import VerifyResult
from govnet.ipv6.live import _quiet_library_loggers

Sleep = Callable[[float], None]

# After the latest confirm timer has run out, the devices still need a moment to roll back.
REVERT_GRACE_S = 15.0
# Never confirm nor roll back a commit whose timer may run out meanwhile.
CONFIRM_MARGIN_S = 5
T = TypeVar("T")


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
    commit_window: tuple[float, float] | None = None
    revert_cause: str = ""  # why it was left to its confirm timer
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
        """Seconds left before the host's timer may run out (counted from before its commit)."""
        if host.commit_window is None or host.revert_in is None:
            return 0
        return max(0, round(host.commit_window[0] + host.revert_in - self.clock()))

    def reverting(self, host: _Host, why: str) -> None:
        host.status, host.revert_cause = "reverting", why
        host.reason = (
            f"{why}: the device reverts by its confirm timer in {self.revert_seconds(host)} s"
        )


def _diff_only(run: _Run, names: Sequence[str]) -> None:
    def step(task: Task) -> Staged:
        return stage(task, run.hosts[task.host.name].delivery, run.connection, False, None)

    try:
        staged = run.phase(names, step, lambda why: Staged(error=why), "diffing")
    finally:
        close_all(run.nornir, names)
    for name, outcome in staged.items():
        host = run.hosts[name]
        host.diff, host.timings["diff"] = outcome.diff, outcome.seconds
        if outcome.error:
            host.status, host.reason = "failed", outcome.error
        else:
            host.status = "would change" if outcome.diff.strip() else "unchanged"


def _take_baseline(run: _Run, names: Sequence[str]) -> dict[str, VerifyResult | str]:
    def step(task: Task) -> tuple[VerifyResult | str, float]:
        delivery = run.hosts[task.host.name].delivery
        verify = delivery.baseline_verify or delivery.verify
        assert verify is not None
        return read_baseline(task, verify)

    try:
        found = run.phase(names, step, lambda why: (why, 0.0), "baseline")
    finally:
        close_all(run.nornir, names)
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

    def timer(delivery: Delivery) -> int | None:
        if delivery.verify is None:
            return None
        return delivery.revert_in or run.rollout.confirm_timeout

    def step(task: Task) -> Staged:
        delivery = run.hosts[task.host.name].delivery
        return stage(task, delivery, run.connection, True, timer(delivery), run.clock)

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
            host.commit, host.commit_window = "committed", outcome.commit_window
            host.revert_in = timer(host.delivery)
            to_check.append(name)
    return to_check


def _judge_batch(
    run: _Run, checked: Mapping[str, Checked], baseline: Mapping[str, VerifyResult | str]
) -> dict[str, Verdict]:
    after = {n: c.verification for n, c in checked.items() if c.verification is not None}
    unreachable = {n for n, c in checked.items() if c.unreachable}
    unreachable |= {n for n, r in baseline.items() if isinstance(r, str)}
    # hosts of earlier batches still waiting for their own timer are as good as unreachable
    unreachable |= {n for n, h in run.hosts.items() if h.status == "reverting"}
    failed_commits = {n for n, h in run.hosts.items() if h.commit == "failed" or h.drift}
    failed_commits |= {n for n, c in checked.items() if c.drift}
    baselines = {n: r for n, r in baseline.items() if isinstance(r, VerifyResult)}
    return judge(baselines, after, unreachable, failed_commits)


def _check_and_settle(
    run: _Run, names: list[str], baseline: Mapping[str, VerifyResult | str], index: int
) -> None:
    settle_until = time.monotonic() + run.rollout.settle

    def check(task: Task) -> Checked:
        prior = baseline.get(task.host.name)
        host = run.hosts[task.host.name]
        return check_after_commit(
            task,
            host.delivery,
            run.connection,
            prior if isinstance(prior, VerifyResult) else None,
            settle_until,
        )

    checked = run.phase(names, check, lambda why: Checked(unreachable=why), f"verifying {index}")
    verdicts = _judge_batch(run, checked, baseline)
    to_confirm, to_roll_back = [], []
    for name in names:
        host, outcome = run.hosts[name], checked[name]
        host.timings["check"] = outcome.seconds
        host.drift, host.verification = outcome.drift, outcome.verification
        host.verdict = verdicts.get(name)
        if outcome.unreachable:
            run.reverting(host, f"unreachable after commit ({outcome.unreachable})")
        elif run.revert_seconds(host) <= CONFIRM_MARGIN_S:
            # its timer may have fired: a confirm would race it, and a rollback with no
            # pending commit left would undo the commit before ours
            run.reverting(host, "verification outlasted the confirm timer")
        elif host.verdict is not None and host.verdict.keep:
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
                host.reason = "kept: " + "; ".join(
                    f"{e.regression.check} caused by {e.because()}" for e in host.verdict.excused
                )
    for name in to_roll_back:
        host = run.hosts[name]
        host.timings["rollback"] = done[name].seconds
        if host.drift:
            unchecked = host.drift.startswith(DRIFT_UNCHECKED)
            why = host.drift if unchecked else f"device runs something else: {host.drift}"
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
    latest = max((h.commit_window or (0.0, 0.0))[1] + (h.revert_in or 0) for h in reverting)
    wait = latest + REVERT_GRACE_S - run.clock()
    if wait > 0:
        run.sleep(wait)
    names = [h.name for h in reverting]

    def step(task: Task) -> Reconnected:
        return reconnect(task, run.hosts[task.host.name].delivery, run.connection)

    try:
        done = run.phase(names, step, lambda why: Reconnected(unreachable=why), "reconnecting")
    finally:
        close_all(run.nornir, names)
    for host in reverting:
        outcome, cause = done[host.name], host.revert_cause
        host.timings["reconnect"] = outcome.seconds
        if outcome.unreachable:
            host.status = "unreachable"
            host.reason = (
                f"{cause}; still unreachable after its confirm timer ({outcome.unreachable}): "
                "needs a person"
            )
        elif outcome.still_changed:
            host.status = "failed"
            host.reason = (
                f"{cause}; reachable again but still runs the change: its confirm timer did "
                "not revert it, needs a person"
            )
        elif outcome.unreadable:
            host.status = "reverted"
            host.reason = (
                f"{cause}; reachable again after its confirm timer, but its config could not "
                f"be compared ({outcome.unreadable})"
            )
        else:
            host.status = "reverted"
            host.reason = f"{cause}; reverted by its confirm timer (the change is gone)"


def _run_batches(
    run: _Run, eligible: Sequence[str], baseline: Mapping[str, VerifyResult | str]
) -> str:
    """Canary, then the batches, until one stops the run; why it stopped ("" if it did not)."""
    stopped = ""
    failures = 0
    batches = plan_batches(eligible, run.rollout.canary, run.rollout.batch_size)
    for index, batch in enumerate(batches):
        if stopped:
            for name in batch:
                run.hosts[name].batch, run.hosts[name].reason = index, stopped
            continue
        try:
            to_check = _commit_batch(run, batch, index)
            _check_and_settle(run, to_check, baseline, index)
        finally:
            close_all(run.nornir, batch)
        failed_here = sum(run.hosts[n].status in FAILING for n in batch)
        failures += failed_here
        if run.rollout.canary and index == 0 and failed_here:
            stopped = "canary failed"
        elif run.rollout.max_failures and failures >= run.rollout.max_failures:
            stopped = f"aborted after {failures} failures"
    return stopped


def deliver(
    nornir: Nornir,
    deliveries: Mapping[str, Delivery],
    commit: bool,
    order: Sequence[str] | None = None,
    rollout: Rollout | None = None,
    connection: str = DEVICE_CONNECTION,
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
        used = rollout if commit else None
        return PushReport(
            commit=commit, hosts=hosts, rollout=used, refused=refused, stopped=stopped
        )

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
    stopped = _run_batches(run, eligible, baseline)
    _wait_for_reverts(run)
    return reports(stopped=stopped)
