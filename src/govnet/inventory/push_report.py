"""What a push reports, per host and for the whole run, as JSON and as tables."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict
from rich.table import Table
from rich.text import Text

from govnet.inventory.judgement import Verdict
from govnet.inventory.rollout import Rollout
from govnet.inventory.verification import VerifyResult

PushStatus = Literal[
    "unchanged",  # no diff: nothing committed
    "would change",  # dry run with a diff
    "committed",  # committed, verified, confirmed
    "rolled back",  # committed, then rolled back (regression or drift)
    "failed",  # not committed (or a rollback that failed): see the reason
    "skipped",  # never touched: see the reason
    "reverting",  # committed, then unreachable or unconfirmed: its own timer reverts it
    "reverted",  # reverting, and reachable again once its timer had run out
    "unreachable",  # reverting, and still unreachable after its timer: needs a person
]
CommitStep = Literal["none", "committed", "failed"]
FAILING: frozenset[str] = frozenset(
    {"rolled back", "failed", "reverting", "reverted", "unreachable"}
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HostPush(_Frozen):
    host: str
    platform: str = ""
    status: PushStatus
    reason: str = ""
    batch: int | None = None  # 0 is the canary when there is one
    baseline: VerifyResult | None = None
    diff: str = ""
    commit: CommitStep = "none"
    revert_in: int | None = None  # the commit-confirm timer, seconds
    drift: str = ""  # what the device runs that differs from what was pushed
    verification: VerifyResult | None = None
    verdict: Verdict | None = None
    timings: dict[str, float] = {}  # seconds per phase


class PushReport(_Frozen):
    commit: bool
    hosts: tuple[HostPush, ...]
    rollout: Rollout | None = None  # the options of a commit run
    refused: str = ""  # why nothing was sent
    stopped: str = ""  # why later batches were skipped

    @property
    def ok(self) -> bool:
        """Not refused and no host failed, was rolled back or reverted (exit 1 otherwise)."""
        return not self.refused and all(host.status not in FAILING for host in self.hosts)


# --- tables

STATUS_STYLE = {
    "unchanged": "dim",
    "would change": "yellow",
    "committed": "green",
    "rolled back": "red",
    "failed": "bold red",
    "skipped": "dim",
    "reverting": "bold yellow",
    "reverted": "yellow",
    "unreachable": "bold red",
}


def _verification_cell(host: HostPush) -> str:
    """In a few words: the verdict when there is one (the details table has the rest)."""
    if host.verdict is not None:
        condemned, excused = len(host.verdict.regressions), len(host.verdict.excused)
        if condemned:
            return f"{condemned} regression(s)" + (f", {excused} excused" if excused else "")
        if excused:
            return f"no regression of its own, {excused} excused"
    if host.verification is None:
        return ""
    if host.verification.ok:
        return "ok"
    return "no regression (failing before)" if host.verdict is not None else "failed"


def push_tables(report: PushReport) -> list[Table]:
    """A summary (one row per host) and, when any host has one, a details table of the diffs,
    drift and regressions."""
    title = "push (commit)" if report.commit else "push (dry run: nothing committed)"
    if report.refused:
        title = "push refused: nothing sent"
    summary = Table(title=title)
    for column in ("host", "platform", "batch", "status", "verification", "reason"):
        summary.add_column(column)
    for host in report.hosts:
        summary.add_row(
            host.host,
            host.platform,
            "" if host.batch is None else str(host.batch),
            Text(host.status, style=STATUS_STYLE[host.status]),
            _verification_cell(host),
            host.reason,
        )
    details = Table(title="details", show_lines=True)
    details.add_column("host")
    details.add_column("what")
    details.add_column("")
    for host in report.hosts:
        if host.diff.strip():
            details.add_row(host.host, "diff", Text(host.diff.rstrip("\n")))
        if host.drift:
            details.add_row(host.host, "drift", Text(host.drift))
        if host.baseline is not None and not host.baseline.ok:
            details.add_row(host.host, "baseline", host.baseline.summary())
        if host.verdict is not None:
            for regression in host.verdict.regressions:
                details.add_row(host.host, "regression", f"{regression.check}: {regression.detail}")
            for excused in host.verdict.excused:
                details.add_row(
                    host.host,
                    "excused",
                    f"{excused.regression.check}: {excused.regression.detail} "
                    f"(caused by {excused.because()})",
                )
    return [summary, details] if details.row_count else [summary]
