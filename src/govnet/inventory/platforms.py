"""The four platforms govnet renders for, and the facts about each that the design relies on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# The Nornir connection that pushes to and reads production devices (NAPALM drivers).
DEVICE_CONNECTION = "napalm"


class Platform(StrEnum):
    HUAWEI_VRP = "huawei_vrp"
    IOSXR = "iosxr"
    JUNOS = "junos"
    FRR = "frr"


@dataclass(frozen=True)
class PlatformInfo:
    vendor: str
    interface_pattern: re.Pattern[str]
    interface_example: str
    napalm_driver: str | None
    netmiko_device_type: str
    loopback: str
    ntp_algorithms: tuple[str, ...]  # NTP key algorithms the platform authenticates with
    # what the platform's IS-IS SPF back-off takes, in ms (first SPF; the long wait)
    spf_initial_delay_ms: range
    spf_long_delay_ms: range


PLATFORMS: dict[Platform, PlatformInfo] = {
    Platform.HUAWEI_VRP: PlatformInfo(
        vendor="Huawei",
        interface_pattern=re.compile(
            r"(GE|10GE|25GE|40GE|50GE|100GE|200GE|400GE|GigabitEthernet|XGigabitEthernet"
            r"|Eth-Trunk)\d+(/\d+)*(\.\d+)?"
        ),
        interface_example="100GE1/0/0",
        napalm_driver="huawei_vrp",
        netmiko_device_type="huawei",
        loopback="LoopBack0",
        ntp_algorithms=("sha256", "md5"),
        spf_initial_delay_ms=range(1, 60_001),  # timer spf: init 1..60000 ms, max 1..120 s
        spf_long_delay_ms=range(1000, 120_001),
    ),
    Platform.IOSXR: PlatformInfo(
        vendor="Cisco",
        interface_pattern=re.compile(
            r"(GigabitEthernet|TenGigE|TwentyFiveGigE|FortyGigE|FiftyGigE|HundredGigE"
            r"|FourHundredGigE)\d+(/\d+){3}(\.\d+)?|Bundle-Ether\d+(\.\d+)?"
        ),
        interface_example="HundredGigE0/0/0/0",
        napalm_driver="iosxr",
        netmiko_device_type="cisco_xr",
        loopback="Loopback0",
        ntp_algorithms=("md5",),  # SHA keys not confirmed for IOS-XR 7.x
        spf_initial_delay_ms=range(0, 120_001),  # spf-interval initial-wait / maximum-wait
        spf_long_delay_ms=range(0, 120_001),
    ),
    Platform.JUNOS: PlatformInfo(
        vendor="Juniper",
        interface_pattern=re.compile(r"(ge|xe|et)-\d+/\d+/\d+(:\d+)?(\.\d+)?|ae\d+(\.\d+)?"),
        interface_example="et-0/0/0",
        napalm_driver="junos",
        netmiko_device_type="juniper_junos",
        loopback="lo0",
        ntp_algorithms=("sha256", "md5"),
        spf_initial_delay_ms=range(50, 1001),  # spf-options delay 50..1000, holddown 2000..10000
        spf_long_delay_ms=range(2000, 10_001),
    ),
    Platform.FRR: PlatformInfo(
        vendor="FRRouting",
        # Linux interface names: at most 15 characters, no '/', ':' or spaces.
        interface_pattern=re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,14}"),
        interface_example="eth1",
        napalm_driver=None,
        netmiko_device_type="cisco_ios",
        loopback="lo",
        ntp_algorithms=(),  # chrony on the host, not FRR
        spf_initial_delay_ms=range(0, 60_001),  # spf-delay-ietf
        spf_long_delay_ms=range(0, 60_001),
    ),
}


def valid_interface(platform: Platform, name: str) -> bool:
    return PLATFORMS[platform].interface_pattern.fullmatch(name) is not None
