"""``govnet_napalm``: the Nornir connection that pushes to and reads production devices.

nornir_napalm's ``napalm`` connection opens whatever ``napalm.get_network_driver(platform)``
finds, i.e. the stock drivers, which lack commit-confirmed (iosxr_netconf, huawei_vrp) or do
it unsafely (junos). This one opens govnet's driver class for each platform and the stock
driver for any other, with the same parameters: extras are the driver's keyword arguments
(``optional_args`` among them), the host's port goes into ``optional_args.port`` unless the
extras set one.
"""

from __future__ import annotations

from typing import Any

from napalm import get_network_driver  # type: ignore[import-untyped]
from napalm.base.base import NetworkDriver  # type: ignore[import-untyped]
from nornir.core.configuration import Config
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir_napalm.plugins.connections import Napalm

from govnet.inventory.drivers.huawei_vrp import HuaweiVRPDriver
from govnet.inventory.drivers.iosxr import IOSXRDriver
from govnet.inventory.drivers.junos import JunosDriver
from govnet.inventory.platforms import DEVICE_CONNECTION, PLATFORMS, Platform

# platform -> govnet's driver; the stock NAPALM driver otherwise
DRIVER_CLASSES: dict[str, type[NetworkDriver]] = {
    Platform.HUAWEI_VRP.value: HuaweiVRPDriver,
    Platform.IOSXR.value: IOSXRDriver,
    Platform.JUNOS.value: JunosDriver,
}


def stock_driver_name(platform: str) -> str:
    """The NAPALM driver a platform's govnet driver builds on (the platform name itself for
    one govnet does not know)."""
    try:
        return PLATFORMS[Platform(platform)].napalm_driver or platform
    except ValueError:
        return platform


def stock_driver(platform: str) -> type[NetworkDriver]:
    found: type[NetworkDriver] = get_network_driver(stock_driver_name(platform))
    return found


def driver_class(platform: str) -> type[NetworkDriver]:
    """govnet's driver class for ``platform``; the stock NAPALM driver when govnet has none."""
    return DRIVER_CLASSES.get(platform) or stock_driver(platform)


def driver_parameters(
    hostname: str | None,
    username: str | None,
    password: str | None,
    port: int | None,
    extras: dict[str, Any] | None,
    configuration: Config | None,
) -> dict[str, Any]:
    """The keyword arguments of the driver's constructor."""
    extras = dict(extras or {})
    optional_args = dict(extras.pop("optional_args", None) or {})
    ssh_config = getattr(getattr(configuration, "ssh", None), "config_file", None)
    if ssh_config:
        optional_args.setdefault("ssh_config_file", ssh_config)
    if port and "port" not in optional_args:
        optional_args["port"] = port
    return {
        "hostname": hostname,
        "username": username,
        "password": password,
        **extras,
        "optional_args": optional_args,
    }


class GovnetNapalm(Napalm):
    """The Nornir connection plugin ``govnet_napalm``."""

    def open(
        self,
        hostname: str | None,
        username: str | None,
        password: str | None,
        port: int | None,
        platform: str | None,
        extras: dict[str, Any] | None = None,
        configuration: Config | None = None,
    ) -> None:
        device_class = driver_class(platform or "")
        device = device_class(
            **driver_parameters(hostname, username, password, port, extras, configuration)
        )
        device.open()
        self.connection = device


def register() -> None:
    """Make ``govnet_napalm`` known to Nornir (the entry point does this for InitNornir)."""
    if DEVICE_CONNECTION not in ConnectionPluginRegister.available:
        ConnectionPluginRegister.register(DEVICE_CONNECTION, GovnetNapalm)
