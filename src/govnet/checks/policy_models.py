"""The kinds of policy a design may require (``checks/policies.yaml``), as pydantic models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from govnet.models import StrictModel

Target = Literal["cloud-dc", "dr-dc", "internet"]
SiteScope = Literal["towns", "all"]


class _Policy(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str


class DisjointPaths(_Policy):
    """Two node-disjoint paths from each site to each target (Menger: no single device or link
    failure other than the site's own cuts it off)."""

    kind: Literal["disjoint_paths"]
    sites: SiteScope = "towns"
    targets: list[Target] = Field(min_length=1)


class DuctDiverse(_Policy):
    """No single duct failure cuts a site off from a target."""

    kind: Literal["duct_diverse"]
    sites: SiteScope = "towns"
    targets: list[Target] = Field(min_length=1)


class DualHomed(_Policy):
    """Each town closes on two different aggregation or metro nodes (on a ring or directly)."""

    kind: Literal["dual_homed"]


class RingSize(_Policy):
    kind: Literal["ring_size"]
    level: Literal[1, 2] = 1
    max_nodes: int = Field(ge=1)


class MaxUtilisation(_Policy):
    """No link above the threshold in the normal state or under any single link or duct failure."""

    kind: Literal["max_utilisation"]
    threshold: float = Field(gt=0, le=1)


Policy = Annotated[
    DisjointPaths | DuctDiverse | DualHomed | RingSize | MaxUtilisation, Field(discriminator="kind")
]


class PolicyFile(StrictModel):
    policies: list[Policy]
