"""Live dual-stack status: NAPALM and FRR answers become statuses, Nornir reads every host with
credentials from the environment, one failing host never stops the others, and coverage reports
exactly where the devices disagree with the rendered intent."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from jnpr.junos.exception import (  # type: ignore[import-untyped]
    ConnectTimeoutError as JunosConnectTimeoutError,
)
from napalm.base.exceptions import (  # type: ignore[import-untyped]
    ConnectionException,
    ModuleImportError,
)
from netmiko.exceptions import NetmikoAuthenticationException
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.plugins.runners import ThreadedRunner
from rich.console import Console
from rich.progress import Progress

from govnet.design import Design
from govnet.ipv6 import live
from govnet.ipv6.coverage import Disagreement, coverage
from govnet.ipv6.live import (
    FRR_COMMAND,
    MissingCredentials,
    UnexpectedOutput,
    build_nornir,
    collect,
    frr_json,
    junos_names,
    status_from_frr,
    status_from_napalm,
)
from govnet.templates.build import build_intents
from govnet.templates.intent import DeviceIntent
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE

USER, PASSWORD = "noc-reader", "from-the-environment-only"

# --- NAPALM get_interfaces_ip / get_interfaces, as napalm-huawei-vrp returns them (it keeps the
# device's upper-case IPv6 spelling; link-locals come with every IPv6-enabled interface)

HUAWEI_INTERFACES_IP: dict[str, Any] = {
    "LoopBack0": {
        "ipv4": {"10.200.0.1": {"prefix_length": 32}},
        "ipv6": {"2001:DB8:7FF::1": {"prefix_length": 128}},
    },
    "10GE2/0/0": {
        "ipv4": {"10.201.0.2": {"prefix_length": 31}},
        "ipv6": {
            "2001:DB8:7FF:100::2": {"prefix_length": 127},
            "FE80::3A4F:49FF:FE12:3456": {"prefix_length": 10},
        },
    },
    "GE3/1/0.301": {  # IPv6-only LAN: the link-local does not make it anything more
        "ipv6": {
            "2001:DB8:721:121::1": {"prefix_length": 64},
            "FE80::3A4F:49FF:FE12:3457": {"prefix_length": 10},
        },
    },
    "GE3/1/0.302": {  # IPv6 enabled but only the link-local: still v4-only
        "ipv4": {"10.64.30.1": {"prefix_length": 24}},
        "ipv6": {"FE80::3A4F:49FF:FE12:3458": {"prefix_length": 10}},
    },
    "GE3/1/0.303": {"ipv6": {"FE80::3A4F:49FF:FE12:3459": {"prefix_length": 10}}},
    "InLoopBack0": {"ipv4": {"127.0.0.1": {"prefix_length": 8}}},
}
HUAWEI_INTERFACES = [*HUAWEI_INTERFACES_IP, "GE3/1/0", "NULL0"]  # no address: not in _ip


def test_napalm_statuses() -> None:
    assert status_from_napalm(HUAWEI_INTERFACES_IP, HUAWEI_INTERFACES) == {
        "10GE2/0/0": "dual",
        "GE3/1/0": "none",
        "GE3/1/0.301": "v6-only",
        "GE3/1/0.302": "v4-only",
        "GE3/1/0.303": "none",
        "InLoopBack0": "none",
        "LoopBack0": "dual",
        "NULL0": "none",
    }
    # get_interfaces_ip alone leaves out the interfaces without addresses
    assert set(status_from_napalm(HUAWEI_INTERFACES_IP)) == set(HUAWEI_INTERFACES_IP)
    assert status_from_napalm({"Bundle-Ether1": {"ipv4": {}, "ipv6": {}}}) == {
        "Bundle-Ether1": "none"
    }


def test_junos_units_zero_are_the_intent_names() -> None:
    interfaces_ip = {
        "xe-0/1/0.0": {
            "ipv4": {"10.201.0.129": {"prefix_length": 31}},
            "ipv6": {
                "2001:db8:7ff:100::81": {"prefix_length": 127},
                "fe80::5668:a3ff:fe01:1": {"prefix_length": 64},
            },
        },
        "lo0.0": {
            "ipv4": {"10.200.0.48": {"prefix_length": 32}},
            "ipv6": {"2001:db8:7ff::30": {"prefix_length": 128}},
        },
        "lo0.16384": {"ipv4": {"127.0.0.1": {"prefix_length": 32}}},
        "xe-0/1/9.301": {"ipv4": {"10.64.164.1": {"prefix_length": 24}}},
    }
    physical_and_logical = ["xe-0/1/0", "xe-0/1/0.0", "xe-0/1/9", "xe-0/1/9.301", "lo0"]
    statuses = status_from_napalm(interfaces_ip, [*physical_and_logical, "lo0.0", "lo0.16384"])
    assert junos_names(statuses) == {
        "lo0": "dual",
        "lo0.16384": "none",
        "xe-0/1/0": "dual",
        "xe-0/1/9": "none",
        "xe-0/1/9.301": "v4-only",
    }


def test_bad_napalm_answers_are_unexpected_output() -> None:
    with pytest.raises(UnexpectedOutput, match="not an IP address"):
        status_from_napalm({"GE1/0/0": {"ipv4": {"10.0.0.300": {"prefix_length": 24}}}})
    with pytest.raises(UnexpectedOutput):
        status_from_napalm({"GE1/0/0": ["10.0.0.1"]})  # type: ignore[dict-item]


# --- FRR 8.4.4 `show interface json`, verbatim: zebra in a throwaway network namespace with
# eth1 (IPv4 + IPv6 + link-local), eth2 (two IPv4, one secondary, + link-local), br0 (IPv6 +
# link-local), lo (10.255.0.1/32, 2001:db8:ff::1/128; zebra hides 127.0.0.1 and ::1), tap0
# (down, no address) and ghost0 (configured in FRR only, with addresses: a pseudo interface).

FRR_8_4_SHOW_INTERFACE_JSON = """\
{
  "br0":{
    "administrativeStatus":"up",
    "operationalStatus":"up",
    "linkDetection":true,
    "linkUps":0,
    "linkDowns":0,
    "vrfName":"default",
    "mplsEnabled":false,
    "linkDown":false,
    "linkDownV6":false,
    "mcForwardingV4":false,
    "mcForwardingV6":false,
    "pseudoInterface":false,
    "index":4,
    "metric":0,
    "mtu":1500,
    "speed":4294967295,
    "flags":"<UP,BROADCAST,RUNNING,MULTICAST>",
    "type":"Ethernet",
    "hardwareAddress":"42:09:c2:96:6e:a7",
    "ipAddresses":[
      {
        "address":"2001:db8:1::1/64",
        "secondary":false,
        "unnumbered":false
      },
      {
        "address":"fe80::4009:c2ff:fe96:6ea7/64",
        "secondary":false,
        "unnumbered":false
      }
    ],
    "interfaceType":"Bridge",
    "interfaceSlaveType":"None",
    "bridgeVlanAware":false,
    "lacpBypass":false,
    "evpnMh":{
    },
    "protodown":"off"
  },
  "eth1":{
    "administrativeStatus":"up",
    "operationalStatus":"up",
    "linkDetection":true,
    "linkUps":0,
    "linkDowns":0,
    "vrfName":"default",
    "mplsEnabled":false,
    "linkDown":false,
    "linkDownV6":false,
    "mcForwardingV4":false,
    "mcForwardingV6":false,
    "pseudoInterface":false,
    "index":3,
    "metric":0,
    "mtu":1500,
    "speed":10000,
    "flags":"<UP,BROADCAST,RUNNING,MULTICAST>",
    "type":"Ethernet",
    "hardwareAddress":"5e:2d:5d:39:08:02",
    "ipAddresses":[
      {
        "address":"10.0.0.1/31",
        "secondary":false,
        "unnumbered":false
      },
      {
        "address":"2001:db8::1/127",
        "secondary":false,
        "unnumbered":false
      },
      {
        "address":"fe80::5c2d:5dff:fe39:802/64",
        "secondary":false,
        "unnumbered":false
      }
    ],
    "interfaceType":"VETH",
    "interfaceSlaveType":"None",
    "lacpBypass":false,
    "evpnMh":{
    },
    "protodown":"off",
    "parentInterface":"eth2"
  },
  "eth2":{
    "administrativeStatus":"up",
    "operationalStatus":"up",
    "linkDetection":true,
    "linkUps":0,
    "linkDowns":0,
    "vrfName":"default",
    "mplsEnabled":false,
    "linkDown":false,
    "linkDownV6":false,
    "mcForwardingV4":false,
    "mcForwardingV6":false,
    "pseudoInterface":false,
    "index":2,
    "metric":0,
    "mtu":1500,
    "speed":10000,
    "flags":"<UP,BROADCAST,RUNNING,MULTICAST>",
    "type":"Ethernet",
    "hardwareAddress":"26:20:90:04:5f:fa",
    "ipAddresses":[
      {
        "address":"10.0.0.0/31",
        "secondary":false,
        "unnumbered":false
      },
      {
        "address":"10.0.2.1/24",
        "secondary":false,
        "unnumbered":false
      },
      {
        "address":"10.0.2.2/24",
        "secondary":true,
        "unnumbered":false
      },
      {
        "address":"fe80::2420:90ff:fe04:5ffa/64",
        "secondary":false,
        "unnumbered":false
      }
    ],
    "interfaceType":"VETH",
    "interfaceSlaveType":"None",
    "lacpBypass":false,
    "evpnMh":{
    },
    "protodown":"off",
    "parentInterface":"eth1"
  },
  "ghost0":{
    "administrativeStatus":"down",
    "linkUps":0,
    "linkDowns":0,
    "vrfName":"default",
    "mplsEnabled":false,
    "linkDown":false,
    "linkDownV6":false,
    "mcForwardingV4":false,
    "mcForwardingV6":false,
    "pseudoInterface":true
  },
  "lo":{
    "administrativeStatus":"up",
    "operationalStatus":"up",
    "linkDetection":true,
    "linkUps":0,
    "linkDowns":0,
    "vrfName":"default",
    "mplsEnabled":false,
    "linkDown":false,
    "linkDownV6":false,
    "mcForwardingV4":false,
    "mcForwardingV6":false,
    "pseudoInterface":false,
    "index":1,
    "metric":0,
    "mtu":65536,
    "speed":0,
    "flags":"<UP,LOOPBACK,RUNNING>",
    "type":"Loopback",
    "ipAddresses":[
      {
        "address":"10.255.0.1/32",
        "secondary":false,
        "unnumbered":false
      },
      {
        "address":"2001:db8:ff::1/128",
        "secondary":false,
        "unnumbered":false
      }
    ],
    "interfaceType":"Other",
    "interfaceSlaveType":"None",
    "lacpBypass":false,
    "evpnMh":{
    },
    "protodown":"off"
  },
  "tap0":{
    "administrativeStatus":"down",
    "linkUps":0,
    "linkDowns":0,
    "vrfName":"default",
    "mplsEnabled":false,
    "linkDown":false,
    "linkDownV6":false,
    "mcForwardingV4":false,
    "mcForwardingV6":false,
    "pseudoInterface":false,
    "index":5,
    "metric":0,
    "mtu":1500,
    "speed":10000,
    "flags":"<BROADCAST,MULTICAST>",
    "type":"Ethernet",
    "hardwareAddress":"12:e5:8e:d3:81:a1",
    "ipAddresses":[
    ],
    "interfaceType":"Other",
    "interfaceSlaveType":"None",
    "lacpBypass":false,
    "evpnMh":{
    },
    "protodown":"off"
  }
}
"""


def test_frr_statuses_from_real_output() -> None:
    expected = {
        "br0": "v6-only",
        "eth1": "dual",
        "eth2": "v4-only",
        "ghost0": "none",
        "lo": "dual",
        "tap0": "none",
    }
    assert status_from_frr(frr_json(FRR_8_4_SHOW_INTERFACE_JSON)) == expected
    # what Netmiko hands back may keep the echoed command and the prompt around the JSON
    echoed = f"{FRR_COMMAND}\n{FRR_8_4_SHOW_INTERFACE_JSON}\nlab-r1#"
    assert status_from_frr(frr_json(echoed)) == expected


def test_bad_frr_answers_are_unexpected_output() -> None:
    with pytest.raises(UnexpectedOutput, match="no JSON"):
        frr_json("Exiting: failed to connect to any daemons.")
    with pytest.raises(UnexpectedOutput, match="bad JSON"):
        frr_json('{"eth1": {"ipAddresses": [}')
    with pytest.raises(UnexpectedOutput, match="not an IP address"):
        status_from_frr({"eth1": {"ipAddresses": [{"address": "eth1"}]}})
    with pytest.raises(UnexpectedOutput, match="not a list"):
        status_from_frr({"eth1": {"ipAddresses": {"address": "10.0.0.1/31"}}})


# --- Nornir


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVNET_USERNAME", USER)
    monkeypatch.setenv("GOVNET_PASSWORD", PASSWORD)


TEST_HOSTS = """\
dg-hw:
  hostname: 10.199.9.1
  platform: huawei_vrp
  groups: [huawei_vrp]
dg-xr:
  hostname: 10.199.9.2
  platform: iosxr
  groups: [iosxr]
dg-jn:
  hostname: 10.199.9.3
  platform: junos
  groups: [junos]
dg-lab:
  hostname: 10.199.9.4
  platform: frr
  groups: [frr]
dg-xr-auth:
  hostname: 10.199.9.5
  platform: iosxr
  groups: [iosxr]
dg-jn-down:
  hostname: 10.199.9.6
  platform: junos
  groups: [junos]
dg-lab-nozebra:
  hostname: 10.199.9.7
  platform: frr
  groups: [frr]
dg-eos:
  hostname: 10.199.9.8
  platform: eos
"""


@pytest.fixture
def design_root(tmp_path: Path) -> Path:
    """An inventory of one host per platform and four that fail, with the reference's
    groups.yaml (the real per-platform connection options) and defaults.yaml."""
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory/hosts.yaml").write_text(TEST_HOSTS, encoding="utf-8")
    for name in ("groups.yaml", "defaults.yaml"):
        shutil.copy(REFERENCE / "inventory" / name, tmp_path / "inventory" / name)
    return tmp_path


def test_build_nornir_takes_credentials_from_the_environment(
    design_root: Path, credentials: None
) -> None:
    nornir = build_nornir(design_root, None)
    assert isinstance(nornir.runner, ThreadedRunner)
    assert len(nornir.inventory.hosts) == 8
    for host in nornir.inventory.hosts.values():
        assert (host.username, host.password) == (USER, PASSWORD)
    assert PASSWORD not in "".join(p.read_text() for p in (design_root / "inventory").iterdir())
    assert list(build_nornir(design_root, ["dg-jn", "dg-lab"]).inventory.hosts) == [
        "dg-jn",
        "dg-lab",
    ]
    with pytest.raises(ValueError, match="unknown host"):
        build_nornir(design_root, ["dg-jn", "dg-nowhere"])


def test_build_nornir_refuses_without_credentials(
    design_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVNET_USERNAME", USER)
    monkeypatch.delenv("GOVNET_PASSWORD", raising=False)
    with pytest.raises(MissingCredentials, match="GOVNET_PASSWORD"):
        build_nornir(design_root, None)


def iosxr_login_refused() -> None:
    """As napalm's IOS-XR driver reports a refused login: a bare ConnectionException."""
    try:
        raise NetmikoAuthenticationException("Authentication to device failed.")
    except NetmikoAuthenticationException as error:
        raise ConnectionException(error.args[0])  # noqa: B904 - as napalm does


def junos_timed_out() -> None:
    device = SimpleNamespace(hostname="10.199.9.6", user=USER, _port=22)
    cause = JunosConnectTimeoutError(device)
    raise ConnectionException(cause.msg) from cause  # as napalm's Junos driver does


@dataclass
class Lab:
    """What the fake connection plugins answer, per management address, and what they saw."""

    napalm: dict[str, dict[str, Any]] = field(default_factory=dict)  # getter -> answer
    frr: dict[str, str] = field(default_factory=dict)  # output of `show interface json`
    refuse: dict[str, Callable[[], None]] = field(default_factory=dict)
    opened: dict[str, tuple[str, str | None, str | None, str | None]] = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)  # (address, getter or command)


class FakeNapalmDriver:
    def __init__(self, lab: Lab, address: str) -> None:
        self.lab, self.address = lab, address

    def _answer(self, getter: str) -> Any:
        self.lab.asked.append((self.address, getter))
        return self.lab.napalm[self.address][getter]

    def get_interfaces(self) -> Any:
        return self._answer("get_interfaces")

    def get_interfaces_ip(self) -> Any:
        return self._answer("get_interfaces_ip")


class FakeNetmiko:
    def __init__(self, lab: Lab, address: str) -> None:
        self.lab, self.address = lab, address

    def send_command(self, command_string: str, **_: Any) -> str:
        self.lab.asked.append((self.address, command_string))
        return self.lab.frr[self.address]


def install(monkeypatch: pytest.MonkeyPatch, lab: Lab, drivers: Callable[[str], Any]) -> None:
    """Replace Nornir's napalm and netmiko connection plugins (after build_nornir, whose
    InitNornir registers the real ones) and NAPALM's driver lookup."""

    def plugin(kind: str, connect: Callable[[Lab, str], Any]) -> type:
        class Fake:
            connection: Any = None

            def open(
                self,
                hostname: str | None,
                username: str | None,
                password: str | None,
                port: int | None,
                platform: str | None,
                extras: dict[str, Any] | None = None,
                configuration: Any = None,
            ) -> None:
                assert hostname is not None
                lab.opened[hostname] = (kind, username, password, platform)
                if hostname in lab.refuse:
                    lab.refuse[hostname]()
                self.connection = connect(lab, hostname)

            def close(self) -> None:
                pass

        return Fake

    monkeypatch.setitem(
        ConnectionPluginRegister.available, "napalm", plugin("napalm", FakeNapalmDriver)
    )
    monkeypatch.setitem(
        ConnectionPluginRegister.available, "netmiko", plugin("netmiko", FakeNetmiko)
    )
    monkeypatch.setattr(live, "get_network_driver", drivers)


def all_drivers(name: str) -> Any:
    return object


def no_huawei_driver(name: str) -> Any:
    if name == "huawei_vrp":
        raise ModuleImportError(f'Cannot import "{name}". Is the library installed?')
    return object


XR_INTERFACES_IP = {
    "Loopback0": {
        "ipv4": {"10.200.0.20": {"prefix_length": 32}},
        "ipv6": {"2001:db8:7ff::14": {"prefix_length": 128}},
    },
    "TenGigE0/0/1/9.200": {"ipv4": {"10.64.32.1": {"prefix_length": 24}}},
}
JUNOS_INTERFACES_IP = {
    "lo0.0": {"ipv6": {"2001:db8:7ff::30": {"prefix_length": 128}}},
    "xe-0/1/9.301": {
        "ipv4": {"10.64.164.1": {"prefix_length": 24}},
        "ipv6": {"fe80::5668:a3ff:fe01:1": {"prefix_length": 64}},
    },
}


def sample_lab() -> Lab:
    def answers(ips: dict[str, Any], names: list[str]) -> dict[str, Any]:
        return {"get_interfaces_ip": ips, "get_interfaces": {n: {"is_up": True} for n in names}}

    return Lab(
        napalm={
            "10.199.9.1": answers(HUAWEI_INTERFACES_IP, HUAWEI_INTERFACES),
            "10.199.9.2": answers(XR_INTERFACES_IP, [*XR_INTERFACES_IP, "TenGigE0/0/1/9"]),
            "10.199.9.3": answers(JUNOS_INTERFACES_IP, ["lo0", "lo0.0", "xe-0/1/9.301"]),
        },
        frr={
            "10.199.9.4": FRR_8_4_SHOW_INTERFACE_JSON,
            "10.199.9.7": "Exiting: failed to connect to any daemons.",
        },
        refuse={"10.199.9.5": iosxr_login_refused, "10.199.9.6": junos_timed_out},
    )


def test_collect_reads_each_platform_its_own_way(
    design_root: Path, credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    nornir = build_nornir(design_root, None)
    lab = sample_lab()
    install(monkeypatch, lab, all_drivers)
    statuses, failed = collect(nornir)
    assert statuses == {
        "dg-hw": status_from_napalm(HUAWEI_INTERFACES_IP, HUAWEI_INTERFACES),
        "dg-jn": {"lo0": "v6-only", "xe-0/1/9.301": "v4-only"},
        "dg-lab": status_from_frr(frr_json(FRR_8_4_SHOW_INTERFACE_JSON)),
        "dg-xr": {
            "Loopback0": "dual",
            "TenGigE0/0/1/9": "none",
            "TenGigE0/0/1/9.200": "v4-only",
        },
    }
    assert statuses["dg-hw"]["GE3/1/0.301"] == "v6-only"
    assert statuses["dg-lab"]["eth1"] == "dual"
    assert failed == {
        "dg-xr-auth": "authentication failed: Authentication to device failed.",
        "dg-jn-down": "unreachable: ConnectTimeoutError(10.199.9.6)",
        "dg-lab-nozebra": "unexpected output: no JSON in the answer to 'show interface json': "
        "'Exiting: failed to connect to any daemons.'",
        "dg-eos": "no driver: no getter for platform 'eos'",
    }
    # which plugin each platform goes through, with which platform name and whose credentials
    assert lab.opened == {
        "10.199.9.1": ("napalm", USER, PASSWORD, "huawei_vrp"),
        "10.199.9.2": ("napalm", USER, PASSWORD, "iosxr_netconf"),
        "10.199.9.3": ("napalm", USER, PASSWORD, "junos"),
        "10.199.9.4": ("netmiko", USER, PASSWORD, "cisco_ios"),
        "10.199.9.5": ("napalm", USER, PASSWORD, "iosxr_netconf"),
        "10.199.9.6": ("napalm", USER, PASSWORD, "junos"),
        "10.199.9.7": ("netmiko", USER, PASSWORD, "cisco_ios"),
    }
    getters = ["get_interfaces", "get_interfaces_ip"]
    assert sorted(lab.asked) == sorted(
        [(a, g) for a in ("10.199.9.1", "10.199.9.2", "10.199.9.3") for g in getters]
        + [("10.199.9.4", FRR_COMMAND), ("10.199.9.7", FRR_COMMAND)]
    )


def test_a_missing_driver_fails_only_its_hosts(
    design_root: Path, credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    nornir = build_nornir(design_root, ["dg-hw", "dg-xr", "dg-lab"])
    lab = sample_lab()
    install(monkeypatch, lab, no_huawei_driver)
    statuses, failed = collect(nornir)
    assert sorted(statuses) == ["dg-lab", "dg-xr"]
    assert failed == {
        "dg-hw": "no driver: NAPALM driver 'huawei_vrp' is not installed "
        "(pip install napalm-huawei-vrp)"
    }
    assert "10.199.9.1" not in lab.opened  # no connection attempt without a driver


def test_a_getter_that_breaks_fails_only_its_host(
    design_root: Path, credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    nornir = build_nornir(design_root, ["dg-hw", "dg-xr", "dg-jn"])
    lab = sample_lab()
    del lab.napalm["10.199.9.2"]["get_interfaces_ip"]  # the fake raises KeyError
    install(monkeypatch, lab, all_drivers)
    statuses, failed = collect(nornir)
    assert sorted(statuses) == ["dg-hw", "dg-jn"]
    assert failed == {"dg-xr": "error: KeyError: 'get_interfaces_ip'"}


def test_collect_shows_progress_per_host(
    design_root: Path, credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    nornir = build_nornir(design_root, None)
    install(monkeypatch, sample_lab(), all_drivers)
    progress = Progress(console=Console(file=io.StringIO()))
    collect(nornir, progress)
    (task,) = progress.tasks
    assert task.total == 8 and task.completed == 8


# --- end to end: the reference design against what two of its devices report


def napalm_answers(intent: DeviceIntent, junos: bool) -> dict[str, Any]:
    """What a device configured exactly as its intent answers; Junos names the intent's
    interfaces unit 0, except sub-interfaces."""
    interfaces: dict[str, Any] = {}
    interfaces_ip: dict[str, Any] = {}
    for interface in intent.interfaces:
        name = interface.name
        interfaces[name] = {"is_up": True, "is_enabled": True, "description": ""}
        if junos and interface.kind != "subinterface":
            name = f"{name}.0"
            interfaces[name] = interfaces[interface.name]
        families: dict[str, Any] = {}
        for family, prefix in (("ipv4", interface.ipv4), ("ipv6", interface.ipv6)):
            if prefix is not None:
                address, length = prefix.split("/")
                families[family] = {address: {"prefix_length": int(length)}}
        if interface.ipv6 is not None and interface.kind != "loopback":
            families["ipv6"]["fe80::1"] = {"prefix_length": 64}
        if families:
            interfaces_ip[name] = families
    management = "fxp0.0" if junos else "MgmtEth0/RP0/CPU0/0"  # not in the design: ignored
    interfaces[management] = {"is_up": True, "is_enabled": True, "description": "oob"}
    interfaces_ip[management] = {"ipv4": {"10.199.0.99": {"prefix_length": 24}}}
    return {"get_interfaces": interfaces, "get_interfaces_ip": interfaces_ip}


@pytest.fixture(scope="module")
def reference_intents(reference: Design) -> dict[str, DeviceIntent]:
    return build_intents(reference, build_graph(reference))


def test_coverage_reports_exactly_what_the_devices_disagree_on(
    reference: Design,
    reference_intents: dict[str, DeviceIntent],
    credentials: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    xr, junos = reference_intents["dg-changan"], reference_intents["dg-qingxi"]
    assert reference.hosts["dg-changan"].platform.value == "iosxr"
    assert reference.hosts["dg-qingxi"].platform.value == "junos"
    xr_answers = napalm_answers(xr, junos=False)
    junos_answers = napalm_answers(junos, junos=True)
    # planted: the GA-VIDEO LAN of dg-changan lost its global IPv6 (the link-local stays) ...
    lan = xr_answers["get_interfaces_ip"]["TenGigE0/0/1/9.301"]["ipv6"]
    assert set(lan) == {"2001:db8:721:121::1", "fe80::1"}
    del lan["2001:db8:721:121::1"]
    # ... and dg-qingxi has no xe-0/1/1 at all
    for answer in junos_answers.values():
        for name in ("xe-0/1/1", "xe-0/1/1.0"):
            answer.pop(name, None)
    lab = Lab(
        napalm={
            str(reference.hosts["dg-changan"].hostname): xr_answers,
            str(reference.hosts["dg-qingxi"].hostname): junos_answers,
        }
    )
    nornir = build_nornir(REFERENCE, ["dg-changan", "dg-qingxi"])
    install(monkeypatch, lab, all_drivers)
    statuses, failed = collect(nornir)
    assert failed == {}
    assert coverage(reference, reference_intents).disagreements == []
    found = coverage(reference, reference_intents, live=statuses).disagreements
    assert found == [
        Disagreement(
            subject="dg-changan TenGigE0/0/1/9.301", design="dual", other="v4-only", source="live"
        ),
        Disagreement(
            subject="dg-qingxi xe-0/1/1",
            design="dual",
            other="interface not reported",
            source="live",
        ),
    ]


def test_unplanted_devices_agree_with_their_intent(
    reference: Design,
    reference_intents: dict[str, DeviceIntent],
    credentials: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The control for the test above: devices configured as intended disagree on nothing,
    attachment interfaces without addresses included."""
    lab = Lab(
        napalm={
            str(reference.hosts[name].hostname): napalm_answers(
                reference_intents[name], junos=reference.hosts[name].platform.value == "junos"
            )
            for name in ("dg-changan", "dg-qingxi")
        }
    )
    nornir = build_nornir(REFERENCE, ["dg-changan", "dg-qingxi"])
    install(monkeypatch, lab, all_drivers)
    statuses, failed = collect(nornir)
    assert failed == {} and statuses["dg-changan"]["TenGigE0/0/1/9"] == "none"
    assert coverage(reference, reference_intents, live=statuses).disagreements == []
