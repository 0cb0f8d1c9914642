"""The lab profile of an intent: what an FRR router in a network namespace on a kernel without
VRF devices and without MPLS forwarding can actually run (see ``/work/shared/lab-notes.md``).

- VRFs, their interfaces and their PE-CE sessions are left out: ``ip link add … type vrf`` fails
  here, so a ``router bgp ASN vrf X`` stays inactive and its lines never settle (a second push
  would always show a diff).
- Instead every prefix a PE would export from a VRF (attachment links, user LANs) is announced
  directly into the VPN address family with the VRF's RD, a label and its export route targets,
  so VPNv4/VPNv6 exchange through the route reflectors is still proven in the control plane.
- LDP is left out (no MPLS forwarding, no ldpd in the lab), and with it LDP-IGP
  synchronisation; SRv6 stays (the kernel has seg6).
"""

from __future__ import annotations

import ipaddress

from govnet.templates.intent import DeviceIntent, VpnRoute

# MPLS labels 0-15 are reserved; a VRF's lab label is this plus its id.
LAB_LABEL_BASE = 1000


def vpn_routes(intent: DeviceIntent) -> list[VpnRoute]:
    """The prefixes of the intent's exporting VRFs, one route per VRF, family and network."""
    exporting = {vrf.name: vrf for vrf in intent.vrfs if vrf.export_targets}
    routes: dict[tuple[str, str, str], VpnRoute] = {}
    for interface in intent.interfaces:
        vrf = exporting.get(interface.vrf or "")
        if vrf is None:
            continue
        for family, address in (("vpnv4", interface.ipv4), ("vpnv6", interface.ipv6)):
            if address is None or not (vrf.ipv4 if family == "vpnv4" else vrf.ipv6):
                continue
            prefix = str(ipaddress.ip_interface(address).network)
            routes[(vrf.name, family, prefix)] = VpnRoute(
                vrf=vrf.name,
                family="vpnv4" if family == "vpnv4" else "vpnv6",
                prefix=prefix,
                rd=vrf.rd,
                label=LAB_LABEL_BASE + vrf.id,
                route_targets=vrf.export_targets,
            )
    return [routes[key] for key in sorted(routes)]


def lab_profile(intent: DeviceIntent) -> DeviceIntent:
    """The intent as the namespace lab runs it (see the module docstring)."""
    bgp = intent.bgp
    if bgp is not None:
        bgp = bgp.model_copy(update={"neighbors": [n for n in bgp.neighbors if n.vrf is None]})
    isis = intent.isis
    if isis is not None:
        isis = isis.model_copy(update={"ldp_sync": False, "ldp_sync_hold_max_cost_s": None})
    interfaces = [
        i.model_copy(update={"mpls_ldp": False}) for i in intent.interfaces if i.vrf is None
    ]
    return intent.model_copy(
        update={
            "interfaces": interfaces,
            "vrfs": [],
            "vpn_routes": vpn_routes(intent),
            "mpls_ldp": False,
            "isis": isis,
            "bgp": bgp,
        }
    )
