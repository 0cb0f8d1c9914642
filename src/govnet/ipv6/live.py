"""What the devices report: the dual-stack status of each interface, read live through Nornir,
for ``coverage(design, intents, live=...)``.

huawei_vrp, iosxr and junos answer NAPALM's ``get_interfaces`` (every interface) and
``get_interfaces_ip`` (their addresses); FRR, which has no NAPALM driver, answers
``show interface json`` through Netmiko (platform ``cisco_ios`` on an SSH login to vtysh, as
``inventory/groups.yaml`` says). Link-local, loopback and unspecified addresses do not make an
interface IPv4 or IPv6. A host that cannot be read (unreachable, refused login, no driver,
unexpected output) is reported with its reason and never stops the others.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from jnpr.junos.exception import (  # type: ignore[import-untyped]
    ConnectAuthError as JunosAuthError,
)
from jnpr.junos.exception import ConnectError as JunosConnectError
from napalm import get_network_driver  # type: ignore[import-untyped]
from napalm.base.exceptions import (  # type: ignore[import-untyped]
    ConnectAuthError as NapalmAuthError,
)
from napalm.base.exceptions import ConnectionException as NapalmConnectionError
from napalm.base.exceptions import ModuleImportError
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
from nornir import InitNornir
from nornir.core import Nornir
from nornir.core.exceptions import NornirSubTaskError
from nornir.core.inventory import Host
from nornir.core.plugins.inventory import TransformFunctionRegister
from nornir.core.task import MultiResult, Result, Task
from nornir_napalm.plugins.tasks import napalm_get
from nornir_netmiko.tasks import netmiko_send_command  # type: ignore[import-untyped]
from rich.progress import Progress

from govnet.design import DEFAULTS_FILE, GROUPS_FILE, HOSTS_FILE
from govnet.inventory.platforms import PLATFORMS, Platform
from govnet.ipv6.coverage import Status, interface_status

USERNAME_VARIABLE = "GOVNET_USERNAME"
PASSWORD_VARIABLE = "GOVNET_PASSWORD"
CREDENTIALS_TRANSFORM = "govnet_credentials_from_environment"
NAPALM_GETTERS = ["get_interfaces", "get_interfaces_ip"]
FRR_COMMAND = "show interface json"
# NAPALM drivers that live outside napalm itself, and where they come from.
COMMUNITY_DRIVERS = {"huawei_vrp": "pip install napalm-huawei-vrp"}
# Loggers that print a traceback per failing host when the application configured no logging;
# collect() returns the reasons instead.
LIBRARY_LOGGERS = ("nornir", "napalm", "netmiko", "ncclient", "jnpr")

Statuses = dict[str, dict[str, Status]]  # device -> interface -> status
Failures = dict[str, str]  # device -> why it could not be read

AUTH_ERRORS: tuple[type[BaseException], ...] = (
    NapalmAuthError,
    JunosAuthError,
    NetmikoAuthenticationException,
)
UNREACHABLE_ERRORS: tuple[type[BaseException], ...] = (
    NapalmConnectionError,
    JunosConnectError,
    NetmikoTimeoutException,
    OSError,  # refused, timed out, no route, unknown host
)


class MissingCredentials(RuntimeError):
    """GOVNET_USERNAME / GOVNET_PASSWORD are not set."""


class MissingDriver(RuntimeError):
    """No way to read this host: its NAPALM driver is not installed, or its platform has none."""


class UnexpectedOutput(ValueError):
    """A device answered, but not in the shape the parser knows."""


# --- statuses from what the devices return


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """``10.0.0.1``, ``10.0.0.1/31``, ``FE80::1`` or ``2001:db8::1/64`` as an address."""
    try:
        return ipaddress.ip_interface(text.strip()).ip
    except ValueError as error:
        raise UnexpectedOutput(f"not an IP address: {text!r}") from error


def _routable(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address gives its interface that family (fe80::/10, 169.254/16, loopback and
    unspecified addresses do not)."""
    return not (address.is_link_local or address.is_loopback or address.is_unspecified)


def _families(addresses: Iterable[str]) -> tuple[bool, bool]:
    """(has IPv4, has IPv6) from an interface's addresses."""
    routable = [a for a in map(_address, addresses) if _routable(a)]
    return any(a.version == 4 for a in routable), any(a.version == 6 for a in routable)


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise UnexpectedOutput(f"{what} is {type(value).__name__}, not an object")
    return value


def status_from_napalm(
    interfaces_ip: Mapping[str, Mapping[str, Mapping[str, Any]]],
    interfaces: Iterable[str] = (),
) -> dict[str, Status]:
    """Statuses from NAPALM ``get_interfaces_ip()``; ``interfaces`` (the names from
    ``get_interfaces()``) adds the interfaces without addresses, which ``get_interfaces_ip``
    leaves out, as ``"none"`` rather than missing."""
    found = {name: interface_status(False, False) for name in interfaces}
    for name, families in _mapping(interfaces_ip, "get_interfaces_ip").items():
        families = _mapping(families, f"get_interfaces_ip[{name!r}]")
        v4, _ = _families(_mapping(families.get("ipv4", {}), f"{name} ipv4"))
        _, v6 = _families(_mapping(families.get("ipv6", {}), f"{name} ipv6"))
        found[name] = interface_status(v4, v6)
    return dict(sorted(found.items()))


def status_from_frr(show_interface_json: Mapping[str, Any]) -> dict[str, Status]:
    """Statuses from FRR's ``show interface json``: one object per interface (of every VRF),
    its addresses in ``ipAddresses`` as ``{"address": "10.0.0.1/31", "secondary": ..., ...}``.
    Interfaces FRR knows only from its configuration (``pseudoInterface``) or that are
    inactive carry no ``ipAddresses``: they are ``"none"``."""
    found: dict[str, Status] = {}
    for name, data in _mapping(show_interface_json, FRR_COMMAND).items():
        entries = _mapping(data, f"interface {name!r}").get("ipAddresses", [])
        if not isinstance(entries, list):
            raise UnexpectedOutput(f"{name}: ipAddresses is not a list")
        addresses = [str(_mapping(e, f"{name} address").get("address", "")) for e in entries]
        found[name] = interface_status(*_families(addresses))
    return dict(sorted(found.items()))


def frr_json(output: str) -> dict[str, Any]:
    """The JSON object in what vtysh printed, without an echoed command or prompt around it."""
    start, end = output.find("{"), output.rfind("}")
    if start < 0 or end < start:
        raise UnexpectedOutput(f"no JSON in the answer to {FRR_COMMAND!r}: {output[:120]!r}")
    try:
        data = json.loads(output[start : end + 1])
    except json.JSONDecodeError as error:
        raise UnexpectedOutput(f"bad JSON in the answer to {FRR_COMMAND!r}: {error}") from error
    return dict(_mapping(data, FRR_COMMAND))


def junos_names(statuses: Mapping[str, Status]) -> dict[str, Status]:
    """Junos reports logical interfaces: the intent's ``xe-0/1/0`` and ``lo0`` are their unit 0
    (``xe-0/1/0.0``, ``lo0.0``), as the Junos templates render them; sub-interfaces keep their
    unit (``xe-0/1/9.301``). A physical interface and its unit 0 become one name."""
    merged: dict[str, tuple[bool, bool]] = {}
    for name, status in statuses.items():
        key = name.removesuffix(".0")
        v4, v6 = merged.get(key, (False, False))
        merged[key] = (v4 or status in ("v4-only", "dual"), v6 or status in ("dual", "v6-only"))
    return {name: interface_status(*flags) for name, flags in sorted(merged.items())}


# --- Nornir


def _credentials() -> tuple[str, str]:
    missing = [v for v in (USERNAME_VARIABLE, PASSWORD_VARIABLE) if not os.environ.get(v)]
    if missing:
        raise MissingCredentials(
            f"set {' and '.join(missing)}: device credentials come from the environment, "
            "never from the inventory files"
        )
    return os.environ[USERNAME_VARIABLE], os.environ[PASSWORD_VARIABLE]


def credentials_from_environment(host: Host, **_: Any) -> None:
    """Nornir transform function: the host's credentials from GOVNET_USERNAME /
    GOVNET_PASSWORD."""
    host.username, host.password = _credentials()


def simple_inventory(hosts: Path, groups: Path, defaults: Path) -> dict[str, Any]:
    """``InitNornir(inventory=...)`` for a SimpleInventory of these three files."""
    return {
        "plugin": "SimpleInventory",
        "options": {
            "host_file": str(hosts),
            "group_file": str(groups),
            "defaults_file": str(defaults),
        },
    }


def design_inventory(design_root: Path) -> dict[str, Any]:
    """The design's own inventory files, credentials from the environment."""
    files = (design_root / HOSTS_FILE, design_root / GROUPS_FILE, design_root / DEFAULTS_FILE)
    return {**simple_inventory(*files), "transform_function": CREDENTIALS_TRANSFORM}


def build_nornir(design_root: Path, hosts: list[str] | None = None) -> Nornir:
    """Nornir on the design's SimpleInventory (threaded runner, no log file), credentials
    from the environment; only ``hosts`` when given."""
    _credentials()  # fail before loading anything
    TransformFunctionRegister.register(CREDENTIALS_TRANSFORM, credentials_from_environment)
    nornir = InitNornir(
        runner={"plugin": "threaded"},
        logging={"enabled": False},
        inventory=design_inventory(design_root),
    )
    if hosts is None:
        return nornir
    unknown = sorted(set(hosts) - set(nornir.inventory.hosts))
    if unknown:
        raise ValueError(f"unknown host(s): {', '.join(unknown)}")
    wanted = set(hosts)
    return nornir.filter(filter_func=lambda host: host.name in wanted)


def _platform(host: Host) -> Platform:
    try:
        return Platform(host.platform or "")
    except ValueError:
        raise MissingDriver(f"no getter for platform {host.platform!r}") from None


def _require_napalm_driver(driver: str) -> None:
    try:
        get_network_driver(driver)
    except ModuleImportError as error:
        hint = COMMUNITY_DRIVERS.get(driver, "is napalm installed?")
        raise MissingDriver(f"NAPALM driver {driver!r} is not installed ({hint})") from error


def _napalm_status(task: Task, platform: Platform, driver: str) -> dict[str, Status]:
    _require_napalm_driver(driver)
    got = task.run(task=napalm_get, getters=NAPALM_GETTERS)[0].result
    statuses = status_from_napalm(got["get_interfaces_ip"], got["get_interfaces"])
    return junos_names(statuses) if platform is Platform.JUNOS else statuses


def _frr_status(task: Task) -> dict[str, Status]:
    output = task.run(task=netmiko_send_command, command_string=FRR_COMMAND)[0].result
    return status_from_frr(frr_json(str(output)))


def live_status(task: Task) -> Result:
    """Nornir task: the host's interface statuses, by the getter its platform has."""
    platform = _platform(task.host)
    driver = PLATFORMS[platform].napalm_driver
    if driver is not None:
        statuses = _napalm_status(task, platform, driver)
    elif platform is Platform.FRR:
        statuses = _frr_status(task)
    else:
        raise MissingDriver(f"no getter for platform {platform.value!r}")
    return Result(host=task.host, result=statuses)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and what caused it (drivers re-raise a login failure as a generic one)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _first_line(error: BaseException) -> str:
    """The first line of an error's message; "" for none (napalm's Junos driver re-raises a
    timeout with the message ``None``)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return "" if not lines or lines[0] == "None" else lines[0]


def failure_reason(error: BaseException) -> str:
    """Why a host could not be read, in one line: ``no driver``, ``authentication failed``,
    ``unreachable``, ``unexpected output`` or ``error``, then the driver's own first line."""
    chain = list(_chain(error))
    message = next(filter(None, map(_first_line, chain)), type(error).__name__)
    if any(isinstance(e, MissingDriver | ModuleImportError) for e in chain):
        return f"no driver: {message}"
    if any(isinstance(e, AUTH_ERRORS) for e in chain):
        return f"authentication failed: {message}"
    if any(isinstance(e, UNREACHABLE_ERRORS) for e in chain):
        return f"unreachable: {message}"
    if any(isinstance(e, UnexpectedOutput) for e in chain):
        return f"unexpected output: {message}"
    return f"error: {type(error).__name__}: {message}"


def _root_error(results: MultiResult) -> BaseException | None:
    """The error of the getter itself rather than the wrapper Nornir puts around it."""
    errors = [r.exception for r in results if r.exception is not None]
    real = [e for e in errors if not isinstance(e, NornirSubTaskError)]
    if real:
        return real[0]
    return errors[0] if errors else None


def _quiet_library_loggers() -> None:
    """A NullHandler on the libraries' loggers: their records still reach the handlers an
    application configures, but no longer fall back to printing on stderr."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


def collect(nornir: Nornir, progress: Progress | None = None) -> tuple[Statuses, Failures]:
    """Every host's interface statuses, and separately the hosts that could not be read and
    why. ``progress``, when given, gets one step per host as it finishes."""
    return run_per_host(nornir, live_status, "govnet live status", progress, "reading devices")


def run_per_host(
    nornir: Nornir,
    step: Callable[[Task], Result],
    name: str,
    progress: Progress | None = None,
    label: str = "",
) -> tuple[dict[str, Any], Failures]:
    """Run ``step`` on every host (one progress step each, connections always closed):
    each host's result, and separately the hosts that failed and why."""
    _quiet_library_loggers()
    bar = (
        None
        if progress is None
        else progress.add_task(label or name, total=len(nornir.inventory.hosts))
    )

    def counted(task: Task) -> Result:
        try:
            return step(task)
        finally:
            if progress is not None and bar is not None:
                progress.update(bar, advance=1, description=task.host.name)

    try:
        results = nornir.run(task=counted, name=name, on_failed=True)
    finally:
        nornir.close_connections(on_good=True, on_failed=True)
    values: dict[str, Any] = {}
    failures: Failures = {}
    for host, result in sorted(results.items()):
        error = _root_error(result)
        if result.failed or error is not None:
            failures[host] = failure_reason(error) if error else "failed"
        else:
            values[host] = result[0].result
    return values, failures
