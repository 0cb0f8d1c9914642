"""The differential verdict: which changed hosts keep their commit.

A host is judged by its *regressions*: checks that passed in its baseline (taken before any
change) and fail now. A check that already failed in the baseline counts again only for what is
new: subjects it did not name before, or a failure that has become local.

A regression is *excused* (not explained by the host's own change) when it names subjects and
every one of them is a **suspect**: a host unreachable after the change, a host whose commit
failed, or a host with a local regression of its own (one without subjects). A host is rolled
back only for regressions that are not excused. Unreachable hosts are reported and may excuse
others; they never condemn anyone, since nothing is known of them.

``govnet verify`` uses the same rule with an empty baseline to name a likely cause.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from pydantic import BaseModel, ConfigDict

from govnet.inventory.verification import Check, Outcome, VerifyResult


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Regression(_Frozen):
    check: str
    detail: str
    subjects: tuple[str, ...] = ()  # empty: local

    @property
    def local(self) -> bool:
        return not self.subjects


class Excused(_Frozen):
    regression: Regression
    causes: tuple[tuple[str, str], ...]  # (subject, why it is a suspect), one per subject

    def because(self) -> str:
        return "; ".join(f"{subject}: {why}" for subject, why in self.causes)


class Verdict(_Frozen):
    keep: bool
    regressions: tuple[Regression, ...] = ()  # the ones that condemn the host
    excused: tuple[Excused, ...] = ()

    def summary(self) -> str:
        parts = [f"{r.check}: {r.detail}" for r in self.regressions]
        parts += [f"{e.regression.check} excused (caused by {e.because()})" for e in self.excused]
        return "; ".join(parts) or "no regression"


def _regression(before: Check | None, now: Check) -> Regression | None:
    if now.status != "failed":
        return None
    if before is None or before.status != "failed":
        return Regression(check=now.name, detail=now.detail, subjects=now.subjects)
    if not before.subjects:
        return None  # failing locally (or unreadable) already: nothing finer to compare
    if not now.subjects:
        return Regression(check=now.name, detail=now.detail)
    new = tuple(subject for subject in now.subjects if subject not in before.subjects)
    return Regression(check=now.name, detail=now.detail, subjects=new) if new else None


def regressions(baseline: VerifyResult | None, now: VerifyResult) -> list[Regression]:
    """What fails in ``now`` that did not in ``baseline`` (``None``: every check passed)."""
    before = {check.name: check for check in baseline.checks} if baseline else {}
    found = (_regression(before.get(check.name), check) for check in now.checks)
    return [regression for regression in found if regression is not None]


def suspects(
    found: Mapping[str, list[Regression]],
    unreachable: Collection[str],
    failed_commits: Collection[str],
) -> dict[str, str]:
    """Every suspect host and why it is one."""
    why: dict[str, str] = dict.fromkeys(sorted(unreachable), "unreachable")
    for host in sorted(failed_commits):
        why.setdefault(host, "its commit failed")
    for host, found_here in sorted(found.items()):
        local = [r.check for r in found_here if r.local]
        if local:
            why.setdefault(host, f"its own {', '.join(local)} failed")
    return why


def judge(
    baselines: Mapping[str, VerifyResult],
    after: Mapping[str, VerifyResult],
    unreachable: Collection[str] = (),
    failed_commits: Collection[str] = (),
) -> dict[str, Verdict]:
    """The verdict on every host of ``after`` (its verification after the change), against its
    baseline (a host without one is taken as having passed everything)."""
    found = {host: regressions(baselines.get(host), result) for host, result in after.items()}
    suspected = suspects(found, unreachable, failed_commits)
    verdicts: dict[str, Verdict] = {}
    for host, found_here in sorted(found.items()):
        condemning: list[Regression] = []
        excused: list[Excused] = []
        for regression in found_here:
            others = [s for s in regression.subjects if s != host]
            if (
                regression.subjects
                and len(others) == len(regression.subjects)
                and all(s in suspected for s in others)
            ):
                causes = tuple((s, suspected[s]) for s in regression.subjects)
                excused.append(Excused(regression=regression, causes=causes))
            else:
                condemning.append(regression)
        verdicts[host] = Verdict(
            keep=not condemning, regressions=tuple(condemning), excused=tuple(excused)
        )
    return verdicts


def likely_causes(outcome: Outcome) -> dict[str, str]:
    """For each host whose failures all point at hosts that are themselves down (unreachable,
    or failing locally), those hosts: ``"caused by dg-x: unreachable"``."""
    results = {h: r for h, r in outcome.items() if isinstance(r, VerifyResult)}
    unreachable = [h for h, r in outcome.items() if not isinstance(r, VerifyResult)]
    causes: dict[str, str] = {}
    for host, verdict in judge({}, results, unreachable).items():
        if verdict.keep and verdict.excused:
            named = dict(pair for e in verdict.excused for pair in e.causes)
            causes[host] = "caused by " + "; ".join(f"{s}: {w}" for s, w in sorted(named.items()))
    return causes
