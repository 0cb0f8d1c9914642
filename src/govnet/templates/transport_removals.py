"""What a device loaded by merge must remove to reach its state of the MPLS -> SRv6 evolution.

A platform loaded by merge (VRP: ``Platform.config_replace`` false) keeps every line a push does
not remove explicitly, so each state's render carries the ``undo`` of what the device runs in
any other state of the evolution and not in this one. The removals are computed from the design
state alone (a stage's design directory is pushed on its own): the device's intent in this
state against its intents in the states that, between them, carry every transport feature
(:func:`evolution_states`). Pure functions; ``govnet.templates.build`` calls them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from govnet.templates.intent import BgpNeighbor, DeviceIntent, PeerRemovals, TransportRemovals
from govnet.topology.models import SRV6_PREFERRED_ALL, DualTransport, Network, Transport

AddPathMode = Literal["both", "receive", "send"]


def evolution_states(network: Network, egress_pes: Sequence[str]) -> list[Network]:
    """The states that carry, between them, every transport feature a device can have in any
    state of the evolution: ``mpls`` (LDP, labels, IPv4 VPN sessions), the finished ``dual``
    (add-path, every SRv6 route preferred) and ``dual`` with every egress PE's SRv6 routes
    preferred (the waves' export policy). ``srv6`` and the other ``dual`` steps carry nothing
    these lack."""
    states = [
        network.model_copy(update={"transport": Transport.MPLS, "dual_transport": None}),
        network.model_copy(
            update={
                "transport": Transport.DUAL,
                "dual_transport": DualTransport(add_path=True, srv6_preferred=SRV6_PREFERRED_ALL),
            }
        ),
    ]
    if egress_pes:
        waves = DualTransport(add_path=True, srv6_preferred=sorted(egress_pes))
        states.append(
            network.model_copy(update={"transport": Transport.DUAL, "dual_transport": waves})
        )
    return states


def _ibgp(intent: DeviceIntent) -> dict[str, BgpNeighbor]:
    """The iBGP sessions (global table, from the loopback), by address."""
    if intent.bgp is None:
        return {}
    return {
        n.address: n for n in intent.bgp.neighbors if n.vrf is None and n.update_source is not None
    }


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _add_path_mode(send: bool, receive: bool) -> AddPathMode | None:
    if send and receive:
        return "both"
    if send:
        return "send"
    return "receive" if receive else None


def _peer_removals(ours: BgpNeighbor, theirs: Sequence[BgpNeighbor]) -> PeerRemovals:
    send = any(n.add_path_send for n in theirs) and not ours.add_path_send
    receive = any(n.add_path_receive for n in theirs) and not ours.add_path_receive
    has_add_path = ours.add_path_send or ours.add_path_receive
    return PeerRemovals(
        address=ours.address,
        add_path=None if has_add_path else _add_path_mode(send, receive),
        advertise_add_path=send,
        high_priority=any(n.preferred for n in theirs) and not ours.preferred,
        export_policy=any(n.preferred_export for n in theirs) and not ours.preferred_export,
    )


def transport_removals(
    current: DeviceIntent, others: Sequence[DeviceIntent]
) -> TransportRemovals | None:
    """What ``others`` (the same device in the states of :func:`evolution_states`) configure
    and ``current`` does not; None when nothing."""
    ours = _ibgp(current)
    theirs: dict[str, list[BgpNeighbor]] = {}
    for other in others:
        for address, neighbor in _ibgp(other).items():
            theirs.setdefault(address, []).append(neighbor)
    kept_ldp = {i.name for i in current.interfaces if i.mpls_ldp}
    vrfs_srv6 = {v.name for o in others if o.srv6 is not None for v in o.vrfs if v.srv6}
    vrfs_labelled = {v.name for o in others for v in o.vrfs if v.mpls}
    peers = [_peer_removals(n, theirs.get(address, [])) for address, n in ours.items()]
    removals = TransportRemovals(
        mpls_ldp=not current.mpls_ldp and any(o.mpls_ldp for o in others),
        ldp_interfaces=_unique(
            i.name for o in others for i in o.interfaces if i.mpls_ldp and i.name not in kept_ldp
        ),
        ldp_sync_timer=current.isis is not None
        and not current.isis.ldp_sync
        and any(o.isis is not None and o.isis.ldp_sync for o in others),
        srv6_locator=None
        if current.srv6 is not None
        else next((o.srv6.locator_name for o in others if o.srv6 is not None), None),
        vrf_labels=[v.name for v in current.vrfs if not v.mpls and v.name in vrfs_labelled],
        vrf_srv6=[
            v.name
            for v in current.vrfs
            if not (v.srv6 and current.srv6 is not None) and v.name in vrfs_srv6
        ],
        ibgp_peers=[address for address in theirs if address not in ours],
        add_path_paths=current.bgp is not None
        and current.bgp.add_path_paths is None
        and any(o.bgp is not None and o.bgp.add_path_paths for o in others),
        peers=[p for p in peers if p != PeerRemovals(address=p.address)],
        egress_policy=not any(n.preferred_export for n in ours.values())
        and any(n.preferred_export for ns in theirs.values() for n in ns),
    )
    return None if removals == TransportRemovals() else removals
