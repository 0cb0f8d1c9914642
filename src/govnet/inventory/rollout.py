"""How a change is rolled out: the options of a staged commit-confirmed push, the order hosts
go in (edge first, route reflectors and cores last) and the batches they go in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from govnet.inventory.platforms import PLATFORMS, Platform, confirm_timeout
from govnet.inventory.roles import LAYER_ORDER, ROLES, Role

DEFAULT_CONFIRM_TIMEOUT = 300


class Rollout(BaseModel):
    """The options of a commit: confirm timer, settling time, canary, batches, failure budget."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    confirm_timeout: int = Field(default=DEFAULT_CONFIRM_TIMEOUT, ge=1)
    settle: float = Field(default=0.0, ge=0)
    canary: int = Field(default=0, ge=0)
    batch_size: int = Field(default=0, ge=0)  # 0: all the rest at once
    max_failures: int = Field(default=0, ge=0)  # 0: never abort
    allow_degraded: bool = False


def rollout_rank(role: str) -> tuple[bool, int]:
    """Edge first (CEs, access, towns), then up the hierarchy; route reflectors last."""
    try:
        info = ROLES[Role(role)]
    except ValueError:
        return (False, -len(LAYER_ORDER))
    return (info.route_reflector, -LAYER_ORDER.index(info.layer))


def rollout_order(roles: Mapping[str, str]) -> list[str]:
    """The hosts (host -> role) in the order engineers roll out: by rank, then by name."""
    return sorted(roles, key=lambda host: (rollout_rank(roles[host]), host))


def plan_batches(order: Sequence[str], canary: int, batch_size: int) -> list[tuple[str, ...]]:
    """The canary (first ``canary`` hosts) alone, then batches of ``batch_size`` (0: the rest
    at once)."""
    hosts = list(order)
    batches: list[tuple[str, ...]] = []
    if canary:
        batches.append(tuple(hosts[:canary]))
        hosts = hosts[canary:]
    size = batch_size or max(1, len(hosts))
    batches += [tuple(hosts[i : i + size]) for i in range(0, len(hosts), size)]
    return [batch for batch in batches if batch]


def _platform(name: str) -> Platform | None:
    try:
        return Platform(name)
    except ValueError:
        return None


def confirm_timer(platform: str, wanted: int) -> int:
    """The commit-confirm timer ``platform`` is asked for: ``wanted`` seconds rounded up to
    the platform's unit (Junos counts minutes); ValueError, never a silent clamp, when the
    platform cannot take it. An unknown platform gets what was asked."""
    known = _platform(platform)
    return wanted if known is None else confirm_timeout(known, wanted)


def loads_as_replace(platform: str) -> bool:
    """Whether a rendered config is loaded as the whole device (replace) rather than merged."""
    known = _platform(platform)
    return known is not None and PLATFORMS[known].config_replace
