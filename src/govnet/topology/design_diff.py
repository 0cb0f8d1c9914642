"""What a design change does, for a change-advisory board (``govnet diff OLD NEW``).

API::

    change = diff_designs(old, new, load_threshold=0.10)
    change.model                  # ModelChange per item (kind, name, added/removed/changed, fields)
    change.weak_spots             # WeakSpotChange: a failure that now cuts a site off, or no longer
    change.violations             # ViolationChange: a policy violation added or removed
    change.loads                  # LoadChange: worst-case utilisation moved by more than the threshold
    change.ipv6                   # CoverageChange: dual-stack shares before and after
    change.configs                # ConfigChange of transport_migration: per-device unified diffs
    change.gates                  # True when the change adds a weak spot or a violation

The analyses are govnet's own (``failures``, ``check``, ``capacity``, ``ipv6 coverage``,
``render``), run once on each side. Pure: nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from html import escape
from typing import Any, Literal

from pydantic import BaseModel

from govnet.checks.policies import evaluate
from govnet.checks.policy_models import MaxUtilisation
from govnet.design import Design
from govnet.html import PAGE_STYLE
from govnet.ipv6.coverage import Share, coverage
from govnet.templates.build import build_intents
from govnet.topology.capacity import analyse
from govnet.topology.failure_report import Scope, build_report
from govnet.topology.graph import build_graph
from govnet.topology.transport_migration import ConfigChange, config_change, render_state

WEAK_SPOT_SCOPES: tuple[Scope, ...] = ("single", "node", "srlg")
DEFAULT_LOAD_THRESHOLD = 0.10  # 10 percentage points of worst-case utilisation
DEFAULT_UTILISATION = 0.8  # `govnet capacity`'s threshold without a max_utilisation policy

Change = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ModelChange:
    kind: str  # device, link, duct, ring, vpn, site, address, wave
    name: str
    change: Change
    fields: tuple[FieldChange, ...] = ()  # for "changed": the top-level fields that differ


@dataclass(frozen=True)
class WeakSpotChange:
    scope: str  # single, node or srlg
    failure: str  # the failure's description ("link a--b")
    site: str
    targets: tuple[str, ...]  # the targets the site loses in the failure
    change: Literal["added", "removed"]


@dataclass(frozen=True)
class ViolationChange:
    policy: str
    subject: str
    evidence: str
    change: Literal["added", "removed"]


@dataclass(frozen=True)
class LoadChange:
    link: str
    old_utilisation: float
    new_utilisation: float
    old_scenario: str
    new_scenario: str

    @property
    def moved(self) -> float:
        return self.new_utilisation - self.old_utilisation


@dataclass(frozen=True)
class CoverageChange:
    old_dual_or_better: float  # share of interfaces dual-stack or IPv6-only
    new_dual_or_better: float
    old_user_facing: float
    new_user_facing: float
    devices: tuple[tuple[str, str, str], ...]  # (device, old status, new status) that changed

    @property
    def changed(self) -> bool:
        return bool(self.devices) or (
            self.old_dual_or_better,
            self.old_user_facing,
        ) != (self.new_dual_or_better, self.new_user_facing)


@dataclass(frozen=True)
class DesignDiff:
    old_label: str
    new_label: str
    load_threshold: float
    model: tuple[ModelChange, ...]
    weak_spots: tuple[WeakSpotChange, ...]
    violations: tuple[ViolationChange, ...]
    loads: tuple[LoadChange, ...]
    ipv6: CoverageChange
    configs: ConfigChange

    @property
    def gates(self) -> bool:
        """Whether CI should stop the change: it adds a weak spot or a policy violation."""
        return any(w.change == "added" for w in self.weak_spots) or any(
            v.change == "added" for v in self.violations
        )

    @property
    def unchanged(self) -> bool:
        return not (
            self.model
            or self.weak_spots
            or self.violations
            or self.loads
            or self.ipv6.changed
            or self.configs.diffs
        )


# --- the model --------------------------------------------------------------------------------


def _dumped(item: Any) -> dict[str, Any]:
    if isinstance(item, BaseModel):
        return item.model_dump(mode="json")
    return {"value": str(item)}


def _keyed_changes(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ModelChange]:
    changes = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            changes.append(ModelChange(kind, name, "removed"))
        elif name not in old:
            changes.append(ModelChange(kind, name, "added"))
        else:
            before, after = _dumped(old[name]), _dumped(new[name])
            fields = tuple(
                FieldChange(f, before.get(f), after.get(f))
                for f in sorted(set(before) | set(after))
                if before.get(f) != after.get(f)
            )
            if fields:
                changes.append(ModelChange(kind, name, "changed", fields))
    return changes


def _addresses(design: Design) -> dict[str, str]:
    return {
        f"{kind.value}/{key}": str(prefix)
        for kind, allocated in design.addressing.allocations.items()
        for key, prefix in allocated.items()
    }


def model_changes(old: Design, new: Design) -> list[ModelChange]:
    """Devices, sites, links, ducts, rings, VPNs, addresses (the lock as loaded) and IPv6 waves."""
    pairs: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]] = [
        ("device", old.hosts, new.hosts),
        ("site", old.sites, new.sites),
        ("link", {x.key: x for x in old.links}, {x.key: x for x in new.links}),
        ("duct", old.ducts, new.ducts),
        ("ring", {x.name: x for x in old.rings}, {x.name: x for x in new.rings}),
        ("vpn", {x.name: x for x in old.vpns}, {x.name: x for x in new.vpns}),
        ("address", _addresses(old), _addresses(new)),
        ("wave", {w.name: w for w in old.waves.waves}, {w.name: w for w in new.waves.waves}),
    ]
    return [change for kind, a, b in pairs for change in _keyed_changes(kind, a, b)]


# --- the analyses -----------------------------------------------------------------------------


WeakSpotKey = tuple[str, str, str]  # scope, failure, site


def weak_spots(design: Design) -> dict[WeakSpotKey, tuple[str, ...]]:
    """Every (scope, failure, site) where the failure cuts the site off, with the targets lost."""
    report = build_report(build_graph(design), WEAK_SPOT_SCOPES)
    spots: dict[WeakSpotKey, set[str]] = {}
    for scenario in report.scenarios:
        if scenario.kind != "cut":
            continue
        for target, losses in scenario.cut_off.items():
            for loss in losses:
                key = (scenario.scope, scenario.description, loss.site)
                spots.setdefault(key, set()).add(target)
    return {key: tuple(sorted(targets)) for key, targets in spots.items()}


def _weak_spot_changes(old: Design, new: Design) -> list[WeakSpotChange]:
    before, after = weak_spots(old), weak_spots(new)
    scope_order: dict[str, int] = {scope: i for i, scope in enumerate(WEAK_SPOT_SCOPES)}
    changes = [
        WeakSpotChange(scope, failure, site, targets, "added")
        for (scope, failure, site), targets in after.items()
        if (scope, failure, site) not in before
    ] + [
        WeakSpotChange(scope, failure, site, targets, "removed")
        for (scope, failure, site), targets in before.items()
        if (scope, failure, site) not in after
    ]
    return sorted(changes, key=lambda c: (c.change, scope_order[c.scope], c.failure, c.site))


def violations(design: Design) -> dict[tuple[str, str], str]:
    """(policy, subject) -> evidence, as `govnet check` finds them."""
    results = evaluate(design, build_graph(design), design.policies)
    return {(v.policy, v.subject): v.evidence for r in results for v in r.violations}


def _violation_changes(old: Design, new: Design) -> list[ViolationChange]:
    before, after = violations(old), violations(new)
    added = [
        ViolationChange(p, s, e, "added") for (p, s), e in after.items() if (p, s) not in before
    ]
    removed = [
        ViolationChange(p, s, e, "removed") for (p, s), e in before.items() if (p, s) not in after
    ]
    return sorted(added + removed, key=lambda c: (c.change, c.policy, c.subject))


def utilisation_threshold(design: Design) -> float:
    """The overload threshold `govnet capacity` uses for this design."""
    policy = next((p for p in design.policies if isinstance(p, MaxUtilisation)), None)
    return policy.threshold if policy else DEFAULT_UTILISATION


def worst_loads(design: Design) -> dict[str, tuple[float, str]]:
    """Link -> (worst-case utilisation, the failure that causes it), as `govnet capacity`."""
    report = analyse(design, build_graph(design), threshold=utilisation_threshold(design))
    return {load.link: (load.worst_utilisation, load.worst_scenario) for load in report.loads}


def _load_changes(old: Design, new: Design, threshold: float) -> list[LoadChange]:
    before, after = worst_loads(old), worst_loads(new)
    changes = [
        LoadChange(link, before[link][0], after[link][0], before[link][1], after[link][1])
        for link in sorted(set(before) & set(after))
        if abs(after[link][0] - before[link][0]) > threshold
    ]
    return sorted(changes, key=lambda c: (-abs(c.moved), c.link))


def _coverage_shares(design: Design, as_of: date) -> tuple[Share, Share, dict[str, str]]:
    intents = build_intents(design, build_graph(design), as_of=as_of)
    result = coverage(design, intents, as_of=as_of)
    return result.overall, result.user_facing, {d: str(s) for d, s in result.devices.items()}


def _coverage_change(old: Design, new: Design, as_of: date) -> CoverageChange:
    old_all, old_users, old_devices = _coverage_shares(old, as_of)
    new_all, new_users, new_devices = _coverage_shares(new, as_of)
    devices = tuple(
        (d, old_devices.get(d, "-"), new_devices.get(d, "-"))
        for d in sorted(set(old_devices) | set(new_devices))
        if old_devices.get(d) != new_devices.get(d)
    )
    return CoverageChange(
        old_all.dual_or_better,
        new_all.dual_or_better,
        old_users.dual_or_better,
        new_users.dual_or_better,
        devices,
    )


def diff_designs(
    old: Design,
    new: Design,
    load_threshold: float = DEFAULT_LOAD_THRESHOLD,
    as_of: date | None = None,
    labels: tuple[str, str] = ("OLD", "NEW"),
) -> DesignDiff:
    """Everything the change from ``old`` to ``new`` does (``load_threshold`` as a ratio)."""
    when = as_of or date.today()
    return DesignDiff(
        old_label=labels[0],
        new_label=labels[1],
        load_threshold=load_threshold,
        model=tuple(model_changes(old, new)),
        weak_spots=tuple(_weak_spot_changes(old, new)),
        violations=tuple(_violation_changes(old, new)),
        loads=tuple(_load_changes(old, new, load_threshold)),
        ipv6=_coverage_change(old, new, when),
        configs=config_change(render_state(old).configs, render_state(new).configs, *labels),
    )


# --- output -----------------------------------------------------------------------------------


def diff_json(change: DesignDiff) -> dict[str, Any]:
    return {
        "old": change.old_label,
        "new": change.new_label,
        "gates": change.gates,
        "unchanged": change.unchanged,
        "load_threshold": change.load_threshold,
        "model": [asdict(c) for c in change.model],
        "weak_spots": [asdict(c) for c in change.weak_spots],
        "violations": [asdict(c) for c in change.violations],
        "loads": [asdict(c) | {"moved": round(c.moved, 4)} for c in change.loads],
        "ipv6": asdict(change.ipv6) | {"changed": change.ipv6.changed},
        "configs": {
            "changed": [asdict(d) for d in change.configs.diffs],
            "unchanged": change.configs.unchanged,
        },
    }


def field_text(fields: Iterable[FieldChange]) -> str:
    return "; ".join(f"{f.field}: {f.old} -> {f.new}" for f in fields)


def percent(ratio: float) -> str:
    return f"{100 * ratio:.1f}%"


def _table(caption: str, header: tuple[str, ...], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<h2>{escape(caption)}</h2>\n<table><tr>{head}</tr>{body}</table>\n"


def diff_html(change: DesignDiff) -> str:
    """A review page: the verdict, the model changes, the analyses, every config diff."""
    verdict = (
        '<p class="bad">adds a weak spot or a policy violation</p>'
        if change.gates
        else '<p class="ok">adds no weak spot and no policy violation</p>'
    )
    parts = [
        _table(
            f"model: {len(change.model)} change(s)",
            ("kind", "name", "change", "fields"),
            ((c.kind, c.name, c.change, field_text(c.fields)) for c in change.model),
        ),
        _table(
            f"weak spots: {len(change.weak_spots)} change(s)",
            ("change", "scope", "failure", "site cut off", "targets"),
            (
                (c.change, c.scope, c.failure, c.site, ", ".join(c.targets))
                for c in change.weak_spots
            ),
        ),
        _table(
            f"policy violations: {len(change.violations)} change(s)",
            ("change", "policy", "subject", "evidence"),
            ((c.change, c.policy, c.subject, c.evidence) for c in change.violations),
        ),
        _table(
            f"worst-case loads moved by more than {percent(change.load_threshold)}",
            ("link", "old", "new", "old worst case", "new worst case"),
            (
                (
                    c.link,
                    percent(c.old_utilisation),
                    percent(c.new_utilisation),
                    c.old_scenario,
                    c.new_scenario,
                )
                for c in change.loads
            ),
        ),
        _table(
            "IPv6 coverage (interfaces dual-stack or IPv6-only)",
            ("share", "old", "new"),
            (
                (
                    "all",
                    percent(change.ipv6.old_dual_or_better),
                    percent(change.ipv6.new_dual_or_better),
                ),
                (
                    "user-facing",
                    percent(change.ipv6.old_user_facing),
                    percent(change.ipv6.new_user_facing),
                ),
                *((f"device {d}", a, b) for d, a, b in change.ipv6.devices),
            ),
        ),
        f"<h2>configs: {len(change.configs.diffs)} changed, "
        f"{change.configs.unchanged} unchanged</h2>\n",
        *(
            f"<h3>{escape(d.device)} ({escape(d.platform)})</h3>\n<pre>{escape(d.diff)}</pre>\n"
            for d in change.configs.diffs
        ),
    ]
    title = f"govnet diff {change.old_label} {change.new_label}"
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{PAGE_STYLE}</style></head><body>\n<h1>{escape(title)}</h1>\n{verdict}\n"
        + "".join(parts)
        + "</body></html>\n"
    )
