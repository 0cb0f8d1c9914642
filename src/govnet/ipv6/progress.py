"""Waves planned against actual, late items, the IPv6-only share against the milestones, and
the dated status snapshots that make the history."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from govnet.design import Design
from govnet.ipv6.coverage import Coverage, Share
from govnet.ipv6.models import STATE_ORDER

STATUS_DIR = "ipv6/status"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class WaveProgress(Model):
    name: str
    title: str | None
    target_state: str
    due: date
    done: date | None
    status: Literal["done", "done late", "late", "due", "planned"]
    days_late: int
    sites: int
    sites_at_target: int  # sites whose state (as of today) already meets the target


class MilestoneCheck(Model):
    date: date
    target: float
    actual: float | None  # the share today, for the next milestone; the share then, if recorded
    met: bool | None


class Progress(Model):
    today: date
    waves: list[WaveProgress]
    ipv6_only: float
    dual_or_better: float
    milestones: list[MilestoneCheck]


def progress(
    design: Design, current: Coverage, today: date, history: list[Snapshot] | None = None
) -> Progress:
    waves = []
    for wave in design.waves.waves:
        at_target = sum(
            1
            for s in wave.sites
            if STATE_ORDER[current.sites.get(s, design.waves.baseline)]
            >= STATE_ORDER[wave.target_state]
        )
        if wave.done is not None:
            late = max(0, (wave.done - wave.due).days)
            status: Literal["done", "done late", "late", "due", "planned"] = (
                "done late" if late else "done"
            )
        else:
            late = max(0, (today - wave.due).days)
            status = "late" if late else ("due" if (wave.due - today).days <= 30 else "planned")
        waves.append(
            WaveProgress(
                name=wave.name,
                title=wave.title,
                target_state=wave.target_state,
                due=wave.due,
                done=wave.done,
                status=status,
                days_late=late,
                sites=len(wave.sites),
                sites_at_target=at_target,
            )
        )
    recorded = {s.date: s for s in history or []}
    checks = []
    for milestone in design.waves.milestones:
        actual: float | None
        if milestone.date >= today:
            actual = current.user_facing.ipv6_only
            met = actual >= milestone.ipv6_only if milestone.date == today else None
        else:
            past = max((d for d in recorded if d <= milestone.date), default=None)
            actual = recorded[past].user_facing.ipv6_only if past else None
            met = None if actual is None else actual >= milestone.ipv6_only
        checks.append(
            MilestoneCheck(date=milestone.date, target=milestone.ipv6_only, actual=actual, met=met)
        )
    return Progress(
        today=today,
        waves=waves,
        ipv6_only=current.user_facing.ipv6_only,
        dual_or_better=current.user_facing.dual_or_better,
        milestones=checks,
    )


class Snapshot(Model):
    """One dated line of the history: what `govnet ipv6 snapshot` records."""

    date: date
    overall: Share
    user_facing: Share
    by_district: dict[str, Share]
    by_layer: dict[str, Share]
    by_vpn: dict[str, Share]
    services_ready: float
    sites: dict[str, str]
    waves_done: list[str]


def snapshot(design: Design, current: Coverage, when: date) -> Snapshot:
    return Snapshot(
        date=when,
        overall=current.overall,
        user_facing=current.user_facing,
        by_district=current.by_district,
        by_layer=current.by_layer,
        by_vpn=current.by_vpn,
        services_ready=current.services_ready,
        sites=dict(current.sites),
        waves_done=sorted(
            w.name for w in design.waves.waves if w.done is not None and w.done <= when
        ),
    )


def write_snapshot(root: Path, record: Snapshot) -> Path:
    folder = root / STATUS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record.date.isoformat()}.json"
    path.write_text(
        json.dumps(record.model_dump(mode="json"), indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return path


def read_history(root: Path) -> list[Snapshot]:
    folder = root / STATUS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        (
            Snapshot.model_validate_json(p.read_text(encoding="utf-8"))
            for p in folder.glob("*.json")
        ),
        key=lambda s: s.date,
    )
