"""govnet for your own Nornir scripts: the design's configs, verification, delivery and
backups as Nornir tasks and runs, on the devices or on the lab.

Load a design (and, for the lab, its state file) once; take Nornir's inventory from it; filter
the hosts as you would any Nornir inventory (each host's data holds the design's ``role``,
``site``, ``district`` and ``model``); then run govnet's tasks::

    from nornir import InitNornir
    from nornir.core.filter import F
    from govnet.nornir import Govnet, push, render_config, verify_device

    govnet = Govnet.load("path/to/design")            # Govnet.load(..., lab_state=...) for the lab
    nr = InitNornir(inventory=govnet.inventory(), logging={"enabled": False})
    towns = nr.filter(F(role="town") & F(district="binhai"))
    configs = towns.run(task=render_config, govnet=govnet)
    checks = towns.run(task=verify_device, govnet=govnet)
    report = push(towns, govnet, commit=False)         # the diffs; commit=True delivers safely

Production credentials come from ``GOVNET_USERNAME`` / ``GOVNET_PASSWORD`` through the
transform function ``govnet_credentials_from_environment`` (a Nornir plugin entry point, so
an inventory of your own can name it too). Every task and run here calls the same functions as
the ``govnet`` command line: one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
from nornir.core import Nornir
from nornir.core.task import Result, Task

from govnet.design import Design, load_design
from govnet.inventory.push import backup, design_loopbacks, run_push, verifier
from govnet.inventory.push_report import PushReport
from govnet.inventory.rollout import Rollout
from govnet.inventory.verification import Loopbacks
from govnet.ipv6.live import CREDENTIALS_TRANSFORM, design_inventory, simple_inventory
from govnet.labs.netns import LabState, management_paths
from govnet.labs.workflow import lab_intents
from govnet.templates.build import build_intents
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph

__all__ = [
    "CREDENTIALS_TRANSFORM",
    "Govnet",
    "backup_config",
    "push",
    "render_config",
    "verify_device",
]

LAB_INVENTORY = "inventory"  # beside the lab's state file


@dataclass(frozen=True)
class Govnet:
    """A loaded design, its graph, and (for the lab) the running lab's state."""

    design: Design
    graph: nx.MultiGraph
    lab: LabState | None = None

    @classmethod
    def load(cls, design: str | Path = ".", lab_state: str | Path | None = None) -> Govnet:
        """The design at ``design`` (a :class:`~govnet.diagnostics.DesignError` lists every
        problem); with ``lab_state``, the lab that `govnet lab up` recorded there."""
        loaded = load_design(Path(design))
        lab = LabState.load(Path(lab_state)) if lab_state else None
        if lab is not None and not lab.routers:
            raise ValueError(f"no lab recorded in {lab_state} (run `govnet lab up`)")
        return cls(loaded, build_graph(loaded), lab)

    def inventory(self) -> dict[str, Any]:
        """``InitNornir(inventory=...)``: the design's SimpleInventory with the credentials
        transform, or, for the lab, the lab's inventory (written beside its state file)."""
        if self.lab is not None:
            from govnet.labs.inventory_export import lab_inventory, write_lab_inventory

            folder = self.lab.path.parent / LAB_INVENTORY
            hosts = lab_inventory(self.lab, self.design, management_paths(self.lab))
            return simple_inventory(*write_lab_inventory(folder, hosts))
        return design_inventory(self.design.root)

    @cached_property
    def intents(self) -> dict[str, DeviceIntent]:
        """What the design says each device is, built once (on the lab: the lab's routers in
        the lab's form, as `govnet lab verify` builds them)."""
        if self.lab is not None:
            return lab_intents(self.design, self.graph, self.lab)
        return build_intents(self.design, self.graph)

    @cached_property
    def loopbacks(self) -> Loopbacks:
        """Every IS-IS router's loopbacks, which verification routes to."""
        return (
            self.lab.loopbacks
            if self.lab is not None
            else design_loopbacks(self.design, self.graph)
        )


def render_config(task: Task, govnet: Govnet) -> Result:
    """Nornir task: the host's config as govnet renders it (secrets as placeholders; the
    lab's FRR config on the lab)."""
    lab = govnet.lab is not None
    configs = render_design(govnet.design, govnet.graph, [task.host.name], lab=lab)
    text = next(c.text for c in configs if (c.path.parts[0] == "lab") == lab)
    return Result(host=task.host, result=text)


def verify_device(task: Task, govnet: Govnet, settle: float = 0.0) -> Result:
    """Nornir task: the host against its intent (BGP, loopbacks, IS-IS, SRv6, routes to every
    loopback); the result is a :class:`~govnet.inventory.verification.VerifyResult`, failed
    when any check fails."""
    intent = govnet.intents[task.host.name]
    if govnet.lab is not None:
        from govnet.labs.nornir_lab import lab_verifier

        paths = management_paths(govnet.lab)
        check = lab_verifier(intent, govnet.loopbacks, settle, management=paths)
    else:
        check = verifier(intent, govnet.loopbacks)
    outcome = check(task)
    return Result(host=task.host, result=outcome, failed=not outcome.ok)


def backup_config(task: Task, out_dir: Path) -> Result:
    """Nornir task: the running config into ``out_dir/<host>.cfg`` (production devices)."""
    return backup(task, out_dir)


def push(
    nornir: Nornir,
    govnet: Govnet,
    commit: bool = False,
    rollout: Rollout | None = None,
    settle: float = 20.0,
) -> PushReport:
    """The design delivered to the hosts of ``nornir`` as `govnet push` (or, on the lab,
    `govnet lab push`) delivers it: diffs only unless ``commit``; with it, baseline, canary and
    batches, commit-confirmed, verification over a fresh connection, then confirm or roll
    back each host by the differential verdict."""
    if govnet.lab is not None:
        from govnet.labs.workflow import deliver_to_lab

        return deliver_to_lab(
            govnet.design, govnet.graph, govnet.lab, nornir, commit, rollout, settle
        )
    return run_push(govnet.design, govnet.graph, nornir, commit, rollout=rollout)
