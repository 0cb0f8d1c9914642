"""What a driver offers for an ad-hoc call (`govnet call`), and which of its methods are stubs.

napalm-huawei-vrp 1.2.0 implements several getters as an empty body (``pass``, so they
return ``None``) or as one that always returns an empty mapping; called on a real device
they would report "nothing" where the device has plenty. tests/test_call.py checks this list
against the installed driver's source.
"""

from __future__ import annotations

from napalm.base import NetworkDriver  # type: ignore[import-untyped]

READ_ONLY_METHODS = frozenset({"cli", "is_alive", "ping", "traceroute"})

STUB_GETTERS: dict[str, frozenset[str]] = {
    "huawei_vrp": frozenset(
        {
            "get_bgp_config",
            "get_bgp_neighbors",
            "get_bgp_neighbors_detail",
            "get_lldp_neighbors_detail",
            "get_network_instances",
            "get_optics",
            "get_probes_config",
            "get_probes_results",
            "get_route_to",
            "get_snmp_information",
            "get_vlans",
        }
    ),
}


def callable_methods(driver_class: type) -> list[str]:
    """The read-only methods a driver class implements (NAPALM's base class only raises
    NotImplementedError): its getters and the read-only commands."""
    implementing = [c for c in driver_class.__mro__ if c not in (NetworkDriver, object)]
    return sorted(
        name
        for name in {n for c in implementing for n in vars(c)}
        if (name.startswith("get_") or name in READ_ONLY_METHODS)
        and callable(getattr(driver_class, name))
    )
