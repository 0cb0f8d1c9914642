"""The bureau CEs' in-band management path, proven in the lab from the PE's side.

A CE is managed at its inventory address across its PEs (a static host route on each PE,
admitted into IS-IS by a policy, see ``templates/README.md``). A change to a PE that drops that
route or the policy leaves the PE itself reachable: its own fresh-connection probe passes, and
the CE is not part of the push. So every PE's verification also pings, from the lab's NOC, each
CE it holds a host route to: a CE that answered in the baseline and does not after the change
is a regression of the PE (the CE is its subject, and an untouched CE is never a suspect), and
the PE is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

from govnet.inventory.verification import Check
from govnet.labs.frr_connection import ManagementPath, probe
from govnet.templates.intent import DeviceIntent

CHECK_NAME = "ce management"
Prober = Callable[[ManagementPath], bool]
PROBE_WORKERS = 8  # a failing probe waits its whole timeout: probe the CEs side by side


def served_ces(
    intent: DeviceIntent, paths: Mapping[str, ManagementPath]
) -> dict[str, ManagementPath]:
    """The CEs (of ``paths``) whose management address the intent routes with a static host
    route: the ones this router is a PE of."""
    routed = {route.prefix for route in intent.static_routes}
    return {
        device: path
        for device, path in sorted(paths.items())
        if device != intent.hostname and f"{path.address}/32" in routed
    }


def probe_all(paths: Mapping[str, ManagementPath], prober: Prober = probe) -> dict[str, bool]:
    """device -> whether it answered the NOC, asked side by side."""
    names = sorted(paths)
    if not names:
        return {}
    with ThreadPoolExecutor(max_workers=min(PROBE_WORKERS, len(names))) as pool:
        answers = list(pool.map(lambda name: prober(paths[name]), names))
    return dict(zip(names, answers, strict=True))


def check_ce_management(reached: Mapping[str, bool], paths: Mapping[str, ManagementPath]) -> Check:
    """Every CE the router is a PE of answers the NOC at its management address; the ones
    that do not are the failure's subjects."""
    silent = sorted(device for device, answered in reached.items() if not answered)
    if silent:
        detail = "; ".join(
            f"{device} ({paths[device].address}) does not answer from {paths[device].source}"
            for device in silent
        )
        return Check(name=CHECK_NAME, status="failed", detail=detail, subjects=tuple(silent))
    return Check(name=CHECK_NAME, status="ok", detail=f"{len(reached)} CEs answer the NOC")
