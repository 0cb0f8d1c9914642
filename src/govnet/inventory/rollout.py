"""How a change is rolled out: the options of a staged commit-confirmed push, the order hosts
go in (edge first, route reflectors and cores last) and the batches they go in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from govnet.inventory.platforms import PLATFORMS, Platform, PlatformInfo
from govnet.inventory.roles import LAYER_ORDER, ROLES, Role

DEFAULT_CONFIRM_TIMEOUT = 300
# PlatformInfo facts this module reads when the platform table has them (a range of seconds
# the platform's commit-confirm timer accepts; whether a full config may be loaded as a
# replace). Until then every timeout is accepted and every production push merges.
CONFIRM_RANGE_FIELD = "commit_confirm_s"
REPLACE_FIELD = "full_replace"


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


def _info(platform: str) -> PlatformInfo | None:
    try:
        return PLATFORMS[Platform(platform)]
    except ValueError:
        return None


def confirm_range(platform: str) -> range | None:
    """The commit-confirm timer the platform documents (seconds), when the table knows it."""
    found = getattr(_info(platform), CONFIRM_RANGE_FIELD, None)
    return found if isinstance(found, range) else None


def confirm_timeout_problem(platform: str, seconds: int) -> str:
    """ "" when ``seconds`` is a valid confirm timer on ``platform``, else why not."""
    allowed = confirm_range(platform)
    if allowed is None or seconds in allowed:
        return ""
    return (
        f"confirm timeout {seconds} s is outside what {platform} accepts "
        f"({allowed.start}..{allowed.stop - 1} s)"
    )


def loads_as_replace(platform: str) -> bool:
    """Whether a rendered config is loaded as the whole device (replace) rather than merged:
    what the platform table says; merge when it says nothing."""
    return getattr(_info(platform), REPLACE_FIELD, None) is True
