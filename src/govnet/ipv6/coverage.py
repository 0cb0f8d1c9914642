"""Dual-stack coverage: v4-only / dual / v6-only per interface, device, site, VPN and service,
with shares by district, layer and VPN, from the design's rendered intent (and, where given,
from what the devices report), saying where the sources disagree."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from govnet.design import Design
from govnet.inventory.roles import ROLES
from govnet.ipv6.models import State
from govnet.ipv6.state import site_states
from govnet.templates.intent import DeviceIntent, InterfaceIntent

Status = Literal["v4-only", "dual", "v6-only", "none"]


def interface_status(ipv4: bool, ipv6: bool) -> Status:
    if ipv4 and ipv6:
        return "dual"
    if ipv4:
        return "v4-only"
    return "v6-only" if ipv6 else "none"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Share(Model):
    total: int
    v4_only: int
    dual: int
    v6_only: int

    @property
    def dual_or_better(self) -> float:
        return (self.dual + self.v6_only) / self.total if self.total else 0.0

    @property
    def ipv6_only(self) -> float:
        return self.v6_only / self.total if self.total else 0.0


def share(statuses: Iterable[str]) -> Share:
    counts = Counter(s for s in statuses if s != "none")
    return Share(
        total=sum(counts.values()),
        v4_only=counts["v4-only"],
        dual=counts["dual"],
        v6_only=counts["v6-only"],
    )


class InterfaceRow(Model):
    device: str
    interface: str
    site: str
    district: str
    layer: str
    vrf: str | None
    user_facing: bool
    status: Status


class Disagreement(Model):
    subject: str
    design: str
    other: str
    source: str


class ServiceRow(Model):
    name: str
    site: str
    aaaa: bool
    reachable_v6: bool
    ready: bool
    checked: date


class Coverage(Model):
    as_of: date | None
    interfaces: list[InterfaceRow]
    devices: dict[str, Status]
    sites: dict[str, State]
    overall: Share
    user_facing: Share
    by_district: dict[str, Share]
    by_layer: dict[str, Share]
    by_vpn: dict[str, Share]
    services: list[ServiceRow]
    services_ready: float
    disagreements: list[Disagreement]


def _device_status(rows: list[InterfaceRow]) -> Status:
    found = {r.status for r in rows if r.status != "none"}
    if not found:
        return "none"
    if found == {"v6-only"}:
        return "v6-only"
    return "v4-only" if "v4-only" in found else "dual"


def coverage(
    design: Design,
    intents: Mapping[str, DeviceIntent],
    live: Mapping[str, Mapping[str, Status]] | None = None,
    as_of: date | None = None,
) -> Coverage:
    """Coverage of the rendered intent; ``live`` (device -> interface -> status, as the devices
    report it) adds a second source and its disagreements."""
    rows: list[InterfaceRow] = []
    for name, intent in sorted(intents.items()):
        host = design.hosts[name]
        layer = ROLES[host.role].layer.value
        for interface in intent.interfaces:
            rows.append(_row(name, host.site, host.district, layer, interface))
    by_device: dict[str, list[InterfaceRow]] = defaultdict(list)
    for row in rows:
        by_device[row.device].append(row)
    states = site_states(design.waves, design.sites, as_of)
    disagreements = _disagreements(rows, states, live or {})
    services = [
        ServiceRow(
            name=s.name,
            site=s.site,
            aaaa=s.aaaa,
            reachable_v6=s.reachable_v6,
            ready=s.aaaa and s.reachable_v6,
            checked=s.checked,
        )
        for s in design.ipv6_services
    ]
    user = [r for r in rows if r.user_facing]
    return Coverage(
        as_of=as_of,
        interfaces=rows,
        devices={d: _device_status(r) for d, r in sorted(by_device.items())},
        sites={s: states[s] for s in sorted({r.site for r in rows})},
        overall=share(r.status for r in rows),
        user_facing=share(r.status for r in user),
        by_district={
            k: share(r.status for r in rows if r.district == k)
            for k in sorted({r.district for r in rows})
        },
        by_layer={
            k: share(r.status for r in rows if r.layer == k)
            for k in sorted({r.layer for r in rows})
        },
        by_vpn={
            k: share(r.status for r in user if r.vrf == k)
            for k in sorted({r.vrf for r in user if r.vrf})
        },
        services=services,
        services_ready=sum(s.ready for s in services) / len(services) if services else 0.0,
        disagreements=disagreements,
    )


def _row(
    device: str, site: str, district: str, layer: str, interface: InterfaceIntent
) -> InterfaceRow:
    return InterfaceRow(
        device=device,
        interface=interface.name,
        site=site,
        district=district,
        layer=layer,
        vrf=interface.vrf,
        user_facing=interface.user_facing,
        status=interface_status(interface.ipv4 is not None, interface.ipv6 is not None),
    )


def _disagreements(
    rows: list[InterfaceRow], states: Mapping[str, State], live: Mapping[str, Mapping[str, Status]]
) -> list[Disagreement]:
    found = []
    for row in rows:
        if row.user_facing and row.status != states.get(row.site, row.status):
            found.append(
                Disagreement(
                    subject=f"{row.device} {row.interface}",
                    design=f"site {row.site} is {states[row.site]} (ipv6/waves.yaml)",
                    other=f"rendered {row.status}",
                    source="intent",
                )
            )
        reported = live.get(row.device, {}).get(row.interface)
        if row.device in live and reported != row.status:
            found.append(
                Disagreement(
                    subject=f"{row.device} {row.interface}",
                    design=row.status,
                    other=reported or "interface not reported",
                    source="live",
                )
            )
    return found
