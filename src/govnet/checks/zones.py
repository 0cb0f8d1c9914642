"""Zone isolation from the rendered intent: who imports whose routes.

The national extranet keeps its zones apart: every department's private VPN, the public zone
and the Internet access zone. Traffic between zones passes a policy point (the firewall at the
egress or the DC), never a route-target import. The only imports allowed between VPNs are the
shared-services hub and spoke targets, where the design asks for shared services.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from govnet.design import Design
from govnet.templates.build import SHARED_HUB_RT_ID, SHARED_SPOKE_RT_ID
from govnet.templates.intent import DeviceIntent
from govnet.topology.models import Vpn, Zone


@dataclass(frozen=True)
class ZoneViolation:
    device: str
    vrf: str
    route_target: str
    source: str  # the VPN that exports the target, or "-" if none does
    reason: str

    def as_dict(self) -> dict[str, str]:
        return self.__dict__.copy()


def check_zones(design: Design, intents: Mapping[str, DeviceIntent]) -> list[ZoneViolation]:
    vpns = {v.name: v for v in design.vpns}
    hub = f"{design.network.asn}:{SHARED_HUB_RT_ID}"
    spoke = f"{design.network.asn}:{SHARED_SPOKE_RT_ID}"
    exporters: dict[str, set[str]] = defaultdict(set)
    for intent in intents.values():
        for vrf in intent.vrfs:
            for target in vrf.export_targets:
                exporters[target].add(vrf.name)
    violations = []
    for name, intent in sorted(intents.items()):
        for vrf in intent.vrfs:
            importer = vpns.get(vrf.name)
            if importer is None:
                continue
            for target in vrf.import_targets:
                sources = sorted(exporters.get(target, set()) - {vrf.name})
                if not sources and target not in exporters:
                    violations.append(
                        ZoneViolation(
                            name, vrf.name, target, "-", "imports a route target no VPN exports"
                        )
                    )
                for source in sources:
                    reason = _leak(importer, vpns[source], target, hub, spoke)
                    if reason:
                        violations.append(ZoneViolation(name, vrf.name, target, source, reason))
    return violations


def _leak(importer: Vpn, source: Vpn, target: str, hub: str, spoke: str) -> str | None:
    """Why importing ``target`` (exported by ``source``) into ``importer`` breaks isolation."""
    if (
        target == hub
        and importer.zone is Zone.PRIVATE
        and importer.shared_services
        and source.zone is Zone.PUBLIC
    ):
        return None
    if (
        target == spoke
        and importer.zone is Zone.PUBLIC
        and source.zone is Zone.PRIVATE
        and source.shared_services
    ):
        return None
    if source.zone is Zone.INTERNET:
        return "imports the Internet zone's routes: only the Internet VPN may (Internet access passes the egress firewall)"
    if importer.zone is Zone.PRIVATE and source.zone is Zone.PRIVATE:
        return f"leaks between departments: {source.department or source.name} into {importer.department or importer.name}"
    return f"crosses zones: {source.zone.value} ({source.name}) into {importer.zone.value} ({importer.name}) without the policy point"
