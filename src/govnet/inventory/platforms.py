"""The four platforms govnet renders for, and the facts about each that the design relies on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# The Nornir connection that pushes to and reads production devices: govnet's NAPALM plugin
# (govnet.inventory.drivers.connection), which opens govnet's driver class per platform.
DEVICE_CONNECTION = "govnet_napalm"


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
    napalm_driver: str | None  # the NAPALM driver govnet's own driver class builds on
    netmiko_device_type: str
    # the whole rendered config can be loaded as a replace (NAPALM load_replace_candidate)
    config_replace: bool
    # the commit-confirm timers the platform accepts, in seconds (step = its unit)
    revert_seconds: range
    loopback: str
    # where a bureau CE's in-band management address lives: its own loopback, or (Junos lo0,
    # FRR lo) a second address on the one loopback
    management_loopback: str
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
        # napalm-huawei-vrp 1.2's load_replace_candidate is an empty stub
        config_replace=False,
        revert_seconds=range(60, 65_536),  # VRP8 commit trial: 60..65535 s
        loopback="LoopBack0",
        management_loopback="LoopBack1",
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
        napalm_driver="iosxr_netconf",  # the XML agent of napalm's iosxr is gone on 64-bit XR
        netmiko_device_type="cisco_xr",
        config_replace=True,  # copy-config of the CLI text to the candidate
        revert_seconds=range(30, 301),  # commit confirmed: 30..300 s (Cisco's documented range)
        loopback="Loopback0",
        management_loopback="Loopback1",
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
        config_replace=True,  # load override
        revert_seconds=range(60, 65_535 * 60 + 1, 60),  # commit confirmed: 1..65535 minutes
        loopback="lo0",
        management_loopback="lo0",
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
        config_replace=True,  # frr_netns loads the whole config through frr-reload.py
        revert_seconds=range(1, 86_401),  # the lab plugin's own timer: no vendor limit
        loopback="lo",
        management_loopback="lo",
        ntp_algorithms=("sha256", "md5"),  # chrony on the host (chrony.conf(5) keyfile)
        spf_initial_delay_ms=range(0, 60_001),  # spf-delay-ietf
        spf_long_delay_ms=range(0, 60_001),
    ),
}


def valid_interface(platform: Platform, name: str) -> bool:
    return PLATFORMS[platform].interface_pattern.fullmatch(name) is not None


def confirm_timeout(platform: Platform, wanted_seconds: int) -> int:
    """The commit-confirm timer to ask ``platform`` for: ``wanted_seconds`` rounded up to the
    platform's unit (Junos counts minutes); ValueError when the platform cannot take it."""
    accepted = PLATFORMS[platform].revert_seconds
    steps = -(-(wanted_seconds - accepted.start) // accepted.step)
    rounded = accepted.start + max(steps, 0) * accepted.step
    if wanted_seconds < accepted.start or rounded not in accepted:
        raise ValueError(
            f"{platform.value} takes a commit-confirm timer of {accepted.start}.."
            f"{accepted[-1]} s in steps of {accepted.step} s, not {wanted_seconds} s"
        )
    return rounded
