"""The IPv6 migration team's files (``ipv6/``): waves and services, as pydantic models."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, HttpUrl

from govnet.models import Name, StrictModel

State = Literal["v4-only", "dual", "v6-only"]
STATE_ORDER: dict[str, int] = {"v4-only": 0, "dual": 1, "v6-only": 2}


class Milestone(StrictModel):
    """A target share of user-facing interfaces that are IPv6-only by a date (OMB M-21-07
    style: 20%, 50%, 80%)."""

    date: date
    ipv6_only: float = Field(ge=0, le=1)


class Wave(StrictModel):
    name: Name
    title: str | None = None
    target_state: Literal["dual", "v6-only"]
    sites: list[Name] = Field(min_length=1)
    due: date
    done: date | None = Field(
        default=None, description="when the wave was completed; absent: not yet"
    )


class WavesFile(StrictModel):
    baseline: State = "v4-only"
    milestones: list[Milestone] = Field(default_factory=list)
    waves: list[Wave] = Field(default_factory=list)


class Service(StrictModel):
    """A public-facing service the national monitoring checks: AAAA record and reachability
    over IPv6, as last measured."""

    name: Name
    url: HttpUrl
    site: Name
    owner: str | None = None
    aaaa: bool
    reachable_v6: bool
    checked: date


class ServicesFile(StrictModel):
    services: list[Service] = Field(default_factory=list)
