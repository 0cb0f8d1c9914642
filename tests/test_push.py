"""Push: secrets resolved before sending, the exact NAPALM call sequence per host (dry run never
commits, a failed verification rolls back, an error discards the candidate and never stops the
other hosts), verification against the intent, backups, and the report tables."""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from napalm.base.exceptions import (  # type: ignore[import-untyped]
    ConnectionException,
    ModuleImportError,
)
from nornir.core import Nornir
from nornir.core.exceptions import ConnectionNotOpen
from nornir.core.inventory import Host
from passlib.hash import cisco_type7  # type: ignore[import-untyped]
from pytest_mock import MockerFixture
from rich.console import Console
from rich.progress import Progress

from govnet.design import Design, load_design
from govnet.inventory.bgp_cli import BGP_CLI_HOOKS
from govnet.inventory.platforms import DEVICE_CONNECTION, Platform
from govnet.inventory.push import (
    BGP_HOOKS,
    design_loopbacks,
    napalm_bgp,
    run_backup,
    run_push,
)
from govnet.inventory.push_report import HostPush, PushReport, push_tables
from govnet.inventory.rollout import Rollout
from govnet.inventory.secrets import UnresolvedSecrets, resolve_secrets
from govnet.inventory.verification import check_bgp, check_loopbacks, loopback_prefixes
from govnet.ipv6 import live
from govnet.ipv6.live import build_nornir
from govnet.templates.build import build_intents
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE, copy_design, json_result, replace_in
from tests.test_bgp_cli import ALL_UP, SAMPLES

ISIS_COMMANDS = {
    "huawei_vrp": "display isis peer",
    "iosxr": "show isis neighbors",
    "junos": "show isis adjacency",
}
SRV6_COMMANDS = {
    "huawei_vrp": "display segment-routing ipv6 locator verbose",
    "iosxr": "show segment-routing srv6 locator",
    "junos": "show srv6 locator",
}
DEVICE_CLI = Path(__file__).parent / "data" / "device_cli"
VRP_CLI = Path(__file__).parent / "data" / "vrp"
VRP_LOOPBACK_COMMANDS = ["display ip interface brief", "display ipv6 interface brief"]
VRP_ROUTE_COMMANDS = ["display ip routing-table", "display ipv6 routing-table"]
HOSTS = ["dg-changan", "dg-humen", "dg-qingxi"]  # iosxr, huawei_vrp, junos
SECRETS = {
    "GOVNET_LOCAL_ADMIN_PASSWORD": "Adm1n-S3cret!",
    "GOVNET_NTP_KEY_MD5": "ntp-md5-key-value",
    "GOVNET_NTP_KEY_SHA256": "ntp-sha256-key-value",
    "GOVNET_SNMP_AUTH_KEY": "snmp-auth-key-value",
    "GOVNET_SNMP_PRIV_KEY": "snmp-priv-key-value",
    "GOVNET_TACACS_KEY": "tacacs-key-value",
}
INVENTORY_HOSTS = """\
dg-humen:
  hostname: 10.199.2.24
  groups: [huawei_vrp]
dg-changan:
  hostname: 10.199.2.25
  groups: [iosxr]
dg-qingxi:
  hostname: 10.199.2.40
  groups: [junos]
dg-not-designed:
  hostname: 10.199.9.9
  groups: [iosxr]
"""


# --- secrets


def test_resolve_secrets_from_the_environment() -> None:
    text = "a %SECRET(env:A)% b %SECRET(env:B)% a %SECRET(env:A)%\n"
    assert resolve_secrets(text, {"A": "1", "B": "two"}) == "a 1 b two a 1\n"
    assert resolve_secrets("no placeholders\n", {}) == "no placeholders\n"


def test_unresolved_secrets_name_every_reference_and_no_value() -> None:
    text = "%SECRET(env:SET)% %SECRET(env:UNSET)% %SECRET(env:EMPTY)% %SECRET(vault:kv/ntp)%"
    with pytest.raises(UnresolvedSecrets) as caught:
        resolve_secrets(text, {"SET": "the-value", "EMPTY": ""})
    assert caught.value.references == ("env:EMPTY", "env:UNSET", "vault:kv/ntp")
    assert "the-value" not in str(caught.value)
    assert "env:UNSET" in str(caught.value)


# --- fixtures: three real hosts of the reference design, their NAPALM connections mocked


@pytest.fixture(scope="module")
def graph(reference: Design) -> nx.MultiGraph:
    return build_graph(reference)


@pytest.fixture(scope="module")
def intents(reference: Design, graph: nx.MultiGraph) -> dict[str, DeviceIntent]:
    return build_intents(reference, graph, HOSTS)


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def nornir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Nornir:
    monkeypatch.setenv("GOVNET_USERNAME", "noc-writer")
    monkeypatch.setenv("GOVNET_PASSWORD", "from-the-environment-only")
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory/hosts.yaml").write_text(INVENTORY_HOSTS, encoding="utf-8")
    for name in ("groups.yaml", "defaults.yaml"):
        shutil.copy(REFERENCE / "inventory" / name, tmp_path / "inventory" / name)
    return build_nornir(tmp_path, None)


def bgp_answer(intent: DeviceIntent, down: str | None = None) -> dict[str, Any]:
    """get_bgp_neighbors() with every neighbour of the intent up (but ``down``), IPv6
    addresses in the upper case some drivers report."""
    assert intent.bgp is not None
    peers = {
        n.address.upper(): {
            "is_up": n.address != down,
            "is_enabled": True,
            "remote_as": n.remote_as,
            "address_family": {"ipv4": {"received_prefixes": 12}},
        }
        for n in intent.bgp.neighbors
    }
    return {"global": {"router_id": intent.router_id, "peers": peers}}


def interfaces_ip_answer(intent: DeviceIntent) -> dict[str, Any]:
    lo = next(i for i in intent.interfaces if i.kind == "loopback")
    assert lo.ipv4 and lo.ipv6
    name = "lo0.0" if intent.platform == "junos" else lo.name
    v4, v4len = lo.ipv4.split("/")
    v6, v6len = lo.ipv6.split("/")
    return {
        name: {
            "ipv4": {v4: {"prefix_length": int(v4len)}},
            "ipv6": {v6.upper(): {"prefix_length": int(v6len)}},
        }
    }


def cli_answer(
    platform: str, bgp: dict[str, str] | Exception | None = None
) -> Callable[[list[str]], dict[str, str]]:
    """The device's CLI: the recorded outputs of tests/data/device_cli and, for BGP, every
    session established (or ``bgp``: other answers, or an error), all written for exactly the
    hosts of HOSTS, matching their intents."""
    bgp_answers = ALL_UP[Platform(platform)] if bgp is None else bgp

    def read(command: str) -> str:
        if isinstance(bgp_answers, Exception) and command in ALL_UP[Platform(platform)]:
            raise bgp_answers
        if isinstance(bgp_answers, dict) and command in bgp_answers:
            return bgp_answers[command]
        recorded = DEVICE_CLI / f"{platform}_{command.replace(' ', '_')}.txt"
        if not recorded.exists():  # VRP's interface and routing tables, recorded on dg-humen
            recorded = VRP_CLI / f"{platform}_{command.replace(' ', '_')}_dg-humen.txt"
        return recorded.read_text()

    def answer(commands: list[str]) -> dict[str, str]:
        return {command: read(command) for command in commands}

    return answer


def bgp_commands(platform: str) -> list[str]:
    """The per-family BGP show commands verify sends, in order."""
    return list(ALL_UP[Platform(platform)])


class Network:
    """The fake devices' shared state: which hosts are committed (their candidate runs) and
    which cannot be reached (their management path is cut)."""

    def __init__(self) -> None:
        self.committed: set[str] = set()
        self.cut: set[str] = set()
        self.cut_on_commit: set[str] = set()
        self.opened: dict[str, int] = {}  # sessions opened per host
        self.sessions: set[str] = set()  # hosts with an open session


@pytest.fixture
def network() -> Network:
    return Network()


@pytest.fixture
def devices(
    mocker: MockerFixture, intents: dict[str, DeviceIntent], network: Network
) -> dict[str, Any]:
    """One mock NAPALM driver per host, returned by Host.get_connection (closed by
    Host.close_connection as Nornir does: the driver's close()). Its candidate shows a diff
    until committed and none after (the device took it); a host in ``network.cut_on_commit``
    is unreachable once committed. Every driver counts as installed (tests that need a missing
    one patch get_network_driver themselves)."""
    drivers: dict[str, Any] = {}
    for name, intent in intents.items():
        device = mocker.Mock(name=name)

        def commit(*, host: str = name, **_: Any) -> None:
            network.committed.add(host)
            if host in network.cut_on_commit:
                network.cut.add(host)

        device.commit_config.side_effect = commit
        device.rollback.side_effect = lambda host=name: network.committed.discard(host)
        device.compare_config.side_effect = lambda host=name: (
            "" if host in network.committed else f"+ sysname {host}\n"
        )
        device.has_pending_commit.return_value = False
        device.get_interfaces_ip.return_value = interfaces_ip_answer(intent)
        device.cli.side_effect = cli_answer(intent.platform)
        drivers[name] = device

    def connection(host: Host, name: str, configuration: Any) -> Any:
        assert name == DEVICE_CONNECTION
        if host.name not in network.sessions:
            if host.name in network.cut:
                raise ConnectionException(f"{host.name}: timed out")
            network.opened[host.name] = network.opened.get(host.name, 0) + 1
            network.sessions.add(host.name)
        return drivers[host.name]

    def close(host: Host, name: str) -> None:
        assert name == DEVICE_CONNECTION
        if host.name not in network.sessions:
            raise ConnectionNotOpen(name)
        network.sessions.discard(host.name)
        drivers[host.name].close()

    def close_all(host: Host) -> None:
        if host.name in network.sessions:
            close(host, DEVICE_CONNECTION)

    mocker.patch.object(Host, "get_connection", autospec=True, side_effect=connection)
    mocker.patch.object(Host, "close_connection", autospec=True, side_effect=close)
    mocker.patch.object(Host, "close_connections", autospec=True, side_effect=close_all)
    mocker.patch.object(live, "get_network_driver", return_value=object)
    return drivers


def after_commit(network: Network, host: str, before: Any, after: Any) -> Callable[..., Any]:
    """A side effect answering ``before`` until ``host`` is committed, ``after`` then."""

    def answer(*args: Any, **kwargs: Any) -> Any:
        chosen = after if host in network.committed else before
        return chosen(*args, **kwargs) if callable(chosen) else chosen

    return answer


def verification_calls(
    name: str, platform: str, loopbacks: dict[str, tuple[str, str]], mocker: MockerFixture
) -> list[Any]:
    """What one verification of ``name`` asks its device, in order: VRP through its CLI only
    (its NAPALM driver's get_route_to is a stub), the others through NAPALM's getters too."""
    if platform == "huawei_vrp":
        loopback_calls = [mocker.call.cli([command]) for command in VRP_LOOPBACK_COMMANDS]
        route_calls = [mocker.call.cli([command]) for command in VRP_ROUTE_COMMANDS]
    else:
        loopback_calls = [mocker.call.get_interfaces_ip()]
        route_calls = [
            mocker.call.get_route_to(destination=prefix)
            for prefix in loopback_prefixes(name, loopbacks)
        ]
    return [
        *[mocker.call.cli([command]) for command in bgp_commands(platform)],
        *loopback_calls,
        mocker.call.cli([ISIS_COMMANDS[platform]]),
        mocker.call.cli([SRV6_COMMANDS[platform]]),
        *route_calls,
    ]


Push = Callable[..., PushReport]


@pytest.fixture
def push(reference: Design, graph: nx.MultiGraph, nornir: Nornir, secrets: None) -> Push:
    """run_push on the three hosts (commit by default), with the secrets in the environment."""

    def run(commit: bool = True, **options: Any) -> PushReport:
        return run_push(reference, graph, nornir, commit=commit, **options)

    return run


def host_report(report: PushReport, name: str) -> HostPush:
    return next(host for host in report.hosts if host.host == name)


def rendered(reference: Design, graph: nx.MultiGraph) -> dict[str, str]:
    """Each host's config as it must be sent: rendered, secrets resolved."""
    return {
        c.hostname: resolve_secrets(c.text, os.environ, host=c.hostname)
        for c in render_design(reference, graph, HOSTS)
    }


def statuses(report: PushReport) -> dict[str, str]:
    return {host.host: host.status for host in report.hosts}


# --- push

NO_WAIT = Rollout(confirm_timeout=300)


def load(name: str, config: str, mocker: MockerFixture) -> Any:
    """The candidate load a host's platform gets: replace on IOS-XR and Junos, merge on VRP."""
    if name == "dg-humen":
        return mocker.call.load_merge_candidate(config=config)
    return mocker.call.load_replace_candidate(config=config)


def loaded(device: Any) -> list[str]:
    return [name for name in call_names(device) if name.startswith("load_")]


def call_names(device: Any) -> list[str]:
    return [c[0] for c in device.mock_calls]


def after_baseline(device: Any) -> list[Any]:
    """The device's calls from the first load on (what the baseline read comes before)."""
    names = call_names(device)
    first = next(i for i, n in enumerate(names) if n.startswith("load_"))
    return list(device.mock_calls[first:])


def test_dry_run_loads_compares_and_discards_only(
    push: Push,
    reference: Design,
    graph: nx.MultiGraph,
    devices: dict[str, Any],
    mocker: MockerFixture,
) -> None:
    report = push(commit=False)
    configs = rendered(reference, graph)
    for name, device in devices.items():
        assert device.mock_calls == [
            load(name, configs[name], mocker),
            mocker.call.compare_config(),
            mocker.call.discard_config(),
            mocker.call.close(),
        ]
        device.commit_config.assert_not_called()
        assert "%SECRET(" not in configs[name]
        # VRP and Junos take the TACACS+ key as text, IOS-XR `key 7` in its type 7 form
        type7 = {cisco_type7.decode(k) for k in re.findall(r"key 7 (\S+)", configs[name])}
        assert (
            SECRETS["GOVNET_TACACS_KEY"] in configs[name] or SECRETS["GOVNET_TACACS_KEY"] in type7
        )
    assert statuses(report) == {
        "dg-changan": "would change",
        "dg-humen": "would change",
        "dg-qingxi": "would change",
        "dg-not-designed": "skipped",
    }
    assert report.ok
    humen = host_report(report, "dg-humen")
    assert humen.diff == "+ sysname dg-humen\n"
    assert humen.verification is None and humen.baseline is None
    skipped = host_report(report, "dg-not-designed")
    assert skipped.reason == "not in the design"


def test_a_confirmed_commit_is_verified_over_a_fresh_connection_then_confirmed(
    push: Push,
    reference: Design,
    graph: nx.MultiGraph,
    devices: dict[str, Any],
    intents: dict[str, DeviceIntent],
    network: Network,
    mocker: MockerFixture,
) -> None:
    """baseline; load, diff, commit with the timer, close; on a fresh connection: the same
    candidate again (no diff: the device took it), discard, verify; confirm."""
    rollout = Rollout(confirm_timeout=240)
    report = push(commit=True, rollout=rollout)
    configs = rendered(reference, graph)
    loopbacks = design_loopbacks(reference, graph)
    for name, device in devices.items():
        verify = verification_calls(name, intents[name].platform, loopbacks, mocker)
        assert device.mock_calls == [
            *verify,
            mocker.call.close(),
            mocker.call.has_pending_commit(),  # nobody else's change waits on the device
            load(name, configs[name], mocker),
            mocker.call.compare_config(),
            mocker.call.commit_config(revert_in=240),
            mocker.call.close(),
            load(name, configs[name], mocker),
            mocker.call.compare_config(),
            mocker.call.discard_config(),
            *verify,
            mocker.call.confirm_commit(),
            mocker.call.close(),
        ]
        assert network.opened[name] == 3  # baseline, commit, and the fresh one to confirm
    # VRP is read through its CLI parsers only: its NAPALM get_route_to is an empty stub
    devices["dg-humen"].get_route_to.assert_not_called()
    devices["dg-humen"].get_interfaces_ip.assert_not_called()
    assert set(statuses(report).values()) == {"committed", "skipped"}
    assert report.ok
    for host in report.hosts:
        if host.status != "committed":
            continue
        assert (host.commit, host.revert_in, host.batch, host.drift) == ("committed", 240, 0, "")
        assert host.baseline is not None and host.baseline.ok
        assert host.verification is not None and host.verification.ok
        checks = {c.name: c.status for c in host.verification.checks}
        assert checks == {
            "bgp": "ok",
            "loopbacks": "ok",
            "isis adjacencies": "ok",
            "srv6 locator": "ok",
            "loopback routes": "ok",
        }, host.host
        assert host.verdict is not None and host.verdict.keep
        assert (host.verdict.regressions, host.verdict.excused) == ((), ())
        assert set(host.timings) == {"baseline", "commit", "check", "confirm"}


def test_a_regression_rolls_back_that_host_only(
    push: Push,
    devices: dict[str, Any],
    network: Network,
    mocker: MockerFixture,
) -> None:
    changan, qingxi = devices["dg-changan"], devices["dg-qingxi"]
    changan.cli.side_effect = after_commit(
        network,
        "dg-changan",
        cli_answer("iosxr"),
        cli_answer("iosxr", SAMPLES[Platform.IOSXR]),
    )
    qingxi.get_interfaces_ip.side_effect = after_commit(
        network, "dg-qingxi", qingxi.get_interfaces_ip.return_value, {}
    )  # its loopbacks are gone after its change

    report = push(commit=True)

    for device in (changan, qingxi):
        device.commit_config.assert_called_once_with(revert_in=300)
        device.rollback.assert_called_once_with()
        assert device.mock_calls[-2:] == [mocker.call.rollback(), mocker.call.close()]
        device.confirm_commit.assert_not_called()
    devices["dg-humen"].rollback.assert_not_called()
    devices["dg-humen"].confirm_commit.assert_called_once_with()
    assert statuses(report) == {
        "dg-changan": "rolled back",
        "dg-humen": "committed",
        "dg-qingxi": "rolled back",
        "dg-not-designed": "skipped",
    }
    assert not report.ok
    changan_report = host_report(report, "dg-changan")
    assert "bgp: 10.200.0.45 vpnv6 down" in changan_report.reason
    assert changan_report.verdict is not None
    (regression,) = changan_report.verdict.regressions
    assert regression.check == "bgp" and regression.subjects == ("dg-mc-02",)
    qingxi_report = host_report(report, "dg-qingxi")
    assert "loopbacks: missing 10.200.0." in qingxi_report.reason


def test_a_neighbour_of_an_unreachable_host_keeps_its_commit_and_names_the_cause(
    push: Push,
    reference: Design,
    graph: nx.MultiGraph,
    devices: dict[str, Any],
    network: Network,
    mocker: MockerFixture,
) -> None:
    """dg-humen's change cuts its management path; dg-changan then has no route to dg-humen:
    not dg-changan's fault. dg-qingxi misses a route to dg-mc-01, which is healthy: its own."""
    loopbacks = design_loopbacks(reference, graph)
    network.cut_on_commit.add("dg-humen")
    sleeps: list[float] = []

    def routes_without(*gone: str) -> Callable[..., Any]:
        missing = {f"{a}/{32 if ':' not in a else 128}" for g in gone for a in loopbacks[g]}
        return lambda destination: (
            {} if destination in missing else {destination: [{"protocol": "isis"}]}
        )

    everything = routes_without()
    devices["dg-changan"].get_route_to.side_effect = after_commit(
        network, "dg-humen", everything, routes_without("dg-humen")
    )
    devices["dg-qingxi"].get_route_to.side_effect = after_commit(
        network, "dg-qingxi", everything, routes_without("dg-mc-01")
    )

    report = push(commit=True, sleep=sleeps.append)

    humen = devices["dg-humen"]
    assert call_names(humen)[-4:] == [
        "load_merge_candidate",
        "compare_config",
        "commit_config",
        "close",
    ]  # nothing after the commit: it could not be reached again
    assert statuses(report)["dg-changan"] == "committed"
    devices["dg-changan"].confirm_commit.assert_called_once_with()
    changan = host_report(report, "dg-changan")
    assert changan.verdict is not None and changan.verdict.keep
    (excused,) = changan.verdict.excused
    assert excused.regression.check == "loopback routes"
    assert excused.causes == (("dg-humen", "unreachable"),)
    assert changan.reason == "kept: loopback routes caused by dg-humen: unreachable"
    console = Console(file=io.StringIO(), width=300)
    for table in push_tables(report):
        console.print(table)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "no regression of its own, 1 excused" in shown
    assert "(caused by dg-humen: unreachable)" in shown
    assert f"no route to {loopbacks['dg-mc-01'][0]}/32" in shown  # dg-qingxi's regression
    assert statuses(report)["dg-qingxi"] == "rolled back"
    qingxi = host_report(report, "dg-qingxi")
    assert qingxi.verdict is not None
    assert [r.subjects for r in qingxi.verdict.regressions] == [("dg-mc-01",)]
    # dg-humen: reported reverting, the run waited once for its timer, it stayed cut off
    assert len(sleeps) == 1 and 300 <= sleeps[0] <= 300 + 15
    humen_report = host_report(report, "dg-humen")
    assert humen_report.status == "unreachable"
    assert "unreachable after commit" in humen_report.reason
    assert "needs a person" in humen_report.reason


def test_an_unreachable_host_is_sent_nothing_and_reported_reverted_once_back(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    network: Network,
    secrets: None,
) -> None:
    network.cut_on_commit.add("dg-qingxi")
    clock = [1000.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds
        network.cut.discard("dg-qingxi")  # its timer ran out: it reverted and is back
        network.committed.discard("dg-qingxi")

    report = run_push(
        reference,
        graph,
        nornir,
        commit=True,
        rollout=Rollout(confirm_timeout=120),
        clock=lambda: clock[0],
        sleep=sleep,
    )
    qingxi = devices["dg-qingxi"]
    assert call_names(qingxi)[-6:] == [
        "commit_config",
        "close",  # then nothing until its timer has run out; then the change must be gone
        "load_replace_candidate",
        "compare_config",
        "discard_config",
        "close",
    ]
    qingxi.confirm_commit.assert_not_called()
    qingxi.rollback.assert_not_called()
    assert waits == [120 + 15]
    host = host_report(report, "dg-qingxi")
    assert host.status == "reverted"
    assert host.reason.startswith("unreachable after commit (unreachable: dg-qingxi: timed out)")
    assert host.reason.endswith("reverted by its confirm timer (the change is gone)")
    assert host.verification is None and host.verdict is None
    assert statuses(report)["dg-humen"] == "committed"
    assert not report.ok


def test_drift_fails_the_host_and_rolls_it_back(
    push: Push,
    reference: Design,
    graph: nx.MultiGraph,
    devices: dict[str, Any],
    network: Network,
    mocker: MockerFixture,
) -> None:
    """dg-humen silently dropped a line: the same candidate still shows a diff."""
    devices["dg-humen"].compare_config.side_effect = after_commit(
        network, "dg-humen", "+ sysname dg-humen\n+ ntp key 7\n", "+ ntp key 7\n"
    )
    report = push(commit=True)
    humen = devices["dg-humen"]
    configs = rendered(reference, graph)
    assert after_baseline(humen) == [
        mocker.call.load_merge_candidate(config=configs["dg-humen"]),
        mocker.call.compare_config(),
        mocker.call.commit_config(revert_in=300),
        mocker.call.close(),
        mocker.call.load_merge_candidate(config=configs["dg-humen"]),
        mocker.call.compare_config(),
        mocker.call.discard_config(),
        mocker.call.rollback(),
        mocker.call.close(),
    ]
    host = host_report(report, "dg-humen")
    assert (host.status, host.drift) == ("failed", "+ ntp key 7")
    assert host.reason == "device runs something else: + ntp key 7; rolled back"
    assert statuses(report)["dg-changan"] == "committed"


def test_a_failing_baseline_refuses_and_sends_nothing(
    push: Push,
    devices: dict[str, Any],
    network: Network,
) -> None:
    devices["dg-changan"].cli.side_effect = cli_answer("iosxr", SAMPLES[Platform.IOSXR])
    network.cut.add("dg-qingxi")
    report = push(commit=True)
    for device in devices.values():
        assert not [n for n in call_names(device) if n.startswith(("load_", "commit"))]
    assert report.refused.startswith("the baseline already fails on 2 host(s), nothing was sent")
    assert "dg-changan: bgp: 10.200.0.45 vpnv6 down" in report.refused
    assert "dg-qingxi: unreachable (unreachable: dg-qingxi: timed out)" in report.refused
    assert "dg-humen" not in report.refused
    assert set(statuses(report).values()) == {"skipped"}
    assert not report.ok
    changan = host_report(report, "dg-changan")
    assert changan.baseline is not None and not changan.baseline.ok


def test_allow_degraded_ignores_what_already_failed_and_skips_the_unreachable(
    push: Push,
    devices: dict[str, Any],
    network: Network,
) -> None:
    devices["dg-changan"].cli.side_effect = cli_answer("iosxr", SAMPLES[Platform.IOSXR])
    network.cut.add("dg-qingxi")
    rollout = Rollout(allow_degraded=True)
    report = push(commit=True, rollout=rollout)
    assert report.refused == ""
    assert statuses(report) == {
        "dg-changan": "committed",  # its BGP failed before the change already
        "dg-humen": "committed",
        "dg-qingxi": "skipped",
        "dg-not-designed": "skipped",
    }
    changan = host_report(report, "dg-changan")
    assert changan.verification is not None and not changan.verification.ok
    assert changan.verdict is not None and changan.verdict.keep
    qingxi = host_report(report, "dg-qingxi")
    assert qingxi.reason == "unreachable before the change: unreachable: dg-qingxi: timed out"
    assert loaded(devices["dg-qingxi"]) == []
    assert report.ok


def test_a_failed_canary_stops_the_rest(
    push: Push,
    devices: dict[str, Any],
    network: Network,
) -> None:
    canary = devices["dg-changan"]  # the first by name: all three are towns
    canary.get_interfaces_ip.side_effect = after_commit(
        network, "dg-changan", canary.get_interfaces_ip.return_value, {}
    )
    report = push(commit=True, rollout=Rollout(canary=1))
    assert statuses(report) == {
        "dg-changan": "rolled back",
        "dg-humen": "skipped",
        "dg-qingxi": "skipped",
        "dg-not-designed": "skipped",
    }
    assert report.stopped == "canary failed"
    for name in ("dg-humen", "dg-qingxi"):
        assert loaded(devices[name]) == []
        host = host_report(report, name)
        assert (host.batch, host.reason) == (1, "canary failed")
    assert host_report(report, "dg-changan").batch == 0


def test_max_failures_aborts_the_remaining_batches(
    push: Push,
    devices: dict[str, Any],
    network: Network,
) -> None:
    devices["dg-humen"].cli.side_effect = after_commit(
        network,
        "dg-humen",
        cli_answer("huawei_vrp"),
        cli_answer("huawei_vrp", SAMPLES[Platform.HUAWEI_VRP]),  # a VPNv6 session down
    )
    rollout = Rollout(batch_size=1, max_failures=1)
    report = push(commit=True, rollout=rollout)
    assert statuses(report) == {
        "dg-changan": "committed",
        "dg-humen": "rolled back",
        "dg-qingxi": "skipped",
        "dg-not-designed": "skipped",
    }
    assert report.stopped == "aborted after 1 failures"
    qingxi = host_report(report, "dg-qingxi")
    assert (qingxi.batch, qingxi.reason) == (2, "aborted after 1 failures")
    assert loaded(devices["dg-qingxi"]) == []


def test_a_failing_getter_or_rollback_is_reported(
    push: Push,
    devices: dict[str, Any],
    network: Network,
) -> None:
    devices["dg-humen"].cli.side_effect = after_commit(
        network,
        "dg-humen",
        cli_answer("huawei_vrp"),
        cli_answer("huawei_vrp", RuntimeError("cli broke")),
    )
    qingxi = devices["dg-qingxi"]
    qingxi.get_interfaces_ip.side_effect = after_commit(
        network, "dg-qingxi", qingxi.get_interfaces_ip.return_value, {}
    )
    qingxi.rollback.side_effect = RuntimeError("rollback refused")
    waits: list[float] = []

    report = push(commit=True, sleep=waits.append)

    devices["dg-humen"].rollback.assert_called_once_with()
    assert statuses(report)["dg-humen"] == "rolled back"
    humen = host_report(report, "dg-humen")
    assert "bgp: error: RuntimeError: cli broke" in humen.reason
    host = host_report(report, "dg-qingxi")
    # never confirmed, yet it still runs the change once its timer ran out: a person must look
    assert host.status == "failed"
    assert host.reason.startswith("regression: loopbacks: missing")
    assert "rollback failed (error: RuntimeError: rollback refused)" in host.reason
    assert host.reason.endswith(
        "reachable again but still runs the change: its confirm timer did not revert it, "
        "needs a person"
    )
    qingxi.confirm_commit.assert_not_called()
    assert len(waits) == 1
    assert statuses(report)["dg-changan"] == "committed"


def test_no_diff_discards_and_commits_nothing(
    push: Push,
    devices: dict[str, Any],
    mocker: MockerFixture,
) -> None:
    for device in devices.values():
        device.compare_config.side_effect = lambda: ""
    report = push(commit=True)
    for device in devices.values():
        assert after_baseline(device)[1:] == [
            mocker.call.compare_config(),
            mocker.call.discard_config(),
            mocker.call.close(),
        ]
        device.commit_config.assert_not_called()
    assert set(statuses(report).values()) == {"unchanged", "skipped"}
    assert report.ok


def test_an_error_discards_the_candidate_and_the_others_still_commit(
    push: Push,
    devices: dict[str, Any],
    mocker: MockerFixture,
) -> None:
    devices["dg-humen"].compare_config.side_effect = RuntimeError("session dropped")
    report = push(commit=True)

    humen = devices["dg-humen"]
    assert [c[0] for c in after_baseline(humen)] == [
        "load_merge_candidate",
        "compare_config",
        "discard_config",
        "close",
    ]
    humen.commit_config.assert_not_called()
    for name in ("dg-changan", "dg-qingxi"):
        devices[name].commit_config.assert_called_once_with(revert_in=300)
    result = statuses(report)
    assert (result["dg-humen"], result["dg-changan"], result["dg-qingxi"]) == (
        "failed",
        "committed",
        "committed",
    )
    reason = host_report(report, "dg-humen").reason
    assert reason == "error: RuntimeError: session dropped"
    assert not report.ok


def test_a_failing_commit_discards_the_candidate_and_cancels_a_pending_one(
    push: Push,
    devices: dict[str, Any],
    mocker: MockerFixture,
) -> None:
    qingxi = devices["dg-qingxi"]
    qingxi.commit_config.side_effect = RuntimeError("commit check failed")
    qingxi.has_pending_commit.side_effect = [False, True]  # before the commit, after it
    report = push(commit=True)
    assert after_baseline(qingxi)[2:] == [
        mocker.call.commit_config(revert_in=300),
        mocker.call.discard_config(),
        mocker.call.has_pending_commit(),
        mocker.call.rollback(),
        mocker.call.close(),
    ]
    host = host_report(report, "dg-qingxi")
    assert (host.status, host.commit) == ("failed", "failed")
    assert host.reason == "error: RuntimeError: commit check failed"


def test_a_missing_secret_fails_before_any_connection(
    push: Push,
    devices: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOVNET_TACACS_KEY")
    report = push(commit=True)
    Host.get_connection.assert_not_called()  # type: ignore[attr-defined]
    for device in devices.values():
        assert device.mock_calls == []
    for host in report.hosts:
        if host.host in HOSTS:
            assert host.status == "failed"
            assert "env:GOVNET_TACACS_KEY" in host.reason
    assert not report.ok


def test_a_missing_napalm_driver_fails_only_its_hosts(
    push: Push,
    devices: dict[str, Any],
    mocker: MockerFixture,
) -> None:
    def drivers(name: str) -> Any:
        if name == "huawei_vrp":
            raise ModuleImportError(f'Cannot import "{name}". Is the library installed?')
        return object

    mocker.patch.object(live, "get_network_driver", side_effect=drivers)
    report = push(commit=False)
    assert devices["dg-humen"].mock_calls == []
    humen = host_report(report, "dg-humen")
    assert humen.status == "failed"
    assert humen.reason.startswith("no driver:") and "napalm-huawei-vrp" in humen.reason
    assert statuses(report)["dg-changan"] == "would change"


def test_secret_values_never_reach_the_report(
    push: Push,
    devices: dict[str, Any],
) -> None:
    key = SECRETS["GOVNET_TACACS_KEY"]
    devices["dg-changan"].compare_config.side_effect = lambda: f"+ tacacs-server key 7 {key}\n"
    devices["dg-humen"].compare_config.side_effect = RuntimeError(f"bad line: key {key}")
    report = push(commit=False)
    changan = host_report(report, "dg-changan")
    assert changan.diff == "+ tacacs-server key 7 %SECRET(env:GOVNET_TACACS_KEY)%\n"
    console = Console(file=io.StringIO(), width=200)
    for table in push_tables(report):
        console.print(table)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert key not in shown and key not in report.model_dump_json()
    assert "%SECRET(env:GOVNET_TACACS_KEY)%" in shown
    assert "dry run" in shown and "would change" in shown


# --- verification checks


def test_bgp_check_spells_addresses_one_way(intents: dict[str, DeviceIntent]) -> None:
    humen = intents["dg-humen"]
    check = check_bgp(humen, bgp_answer(humen))
    assert check.status == "ok"
    assert "ipv4=12" in check.detail
    empty = check_bgp(humen, {"global": {"peers": {}}})
    assert empty.status == "failed" and "missing" in empty.detail


def test_bgp_is_read_per_family_where_a_parser_exists_else_from_napalm(
    intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    for platform in (Platform.HUAWEI_VRP, Platform.IOSXR, Platform.JUNOS):
        assert BGP_HOOKS[platform] is BGP_CLI_HOOKS[platform]
    assert BGP_HOOKS[Platform.FRR] is napalm_bgp
    humen = intents["dg-humen"]
    assert humen.bgp is not None
    route_reflector = humen.bgp.neighbors[1].address
    device = mocker.Mock(name="napalm-connection")
    device.get_bgp_neighbors.return_value = bgp_answer(humen, down=route_reflector)
    task = mocker.Mock(name="task")
    task.host.get_connection.return_value = device
    check = napalm_bgp(task, humen)
    assert (check.status, check.detail) == ("failed", f"{route_reflector} down")
    assert device.mock_calls == [mocker.call.get_bgp_neighbors()]


def test_loopback_check_finds_junos_units(intents: dict[str, DeviceIntent]) -> None:
    qingxi = intents["dg-qingxi"]
    answer = interfaces_ip_answer(qingxi)
    assert list(answer) == ["lo0.0"]
    assert check_loopbacks(qingxi, answer).status == "ok"
    only_v4 = {"lo0.0": {"ipv4": answer["lo0.0"]["ipv4"]}}
    check = check_loopbacks(qingxi, only_v4)
    assert check.status == "failed" and "2001:db8:" in check.detail


# --- backup


def test_backup_writes_each_running_config(
    nornir: Nornir, devices: dict[str, Any], tmp_path: Path
) -> None:
    for name, device in devices.items():
        device.get_config.return_value = {"running": f"sysname {name}\n", "startup": ""}
    out = tmp_path / "backups"
    selected = nornir.filter(filter_func=lambda host: host.name in HOSTS)
    written, failures = run_backup(selected, out)
    assert failures == {}
    assert written == {name: out / f"{name}.cfg" for name in HOSTS}
    for name, device in devices.items():
        device.get_config.assert_called_once_with(retrieve="running")
        assert (out / f"{name}.cfg").read_text(encoding="utf-8") == f"sysname {name}\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.cfg" for n in HOSTS)


def test_an_empty_running_config_never_replaces_a_backup(
    nornir: Nornir, devices: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "backups"
    out.mkdir()
    (out / "dg-humen.cfg").write_text("sysname dg-humen\n", encoding="utf-8")
    for device in devices.values():
        device.get_config.return_value = {"running": "", "startup": ""}
    selected = nornir.filter(filter_func=lambda host: host.name == "dg-humen")
    written, failures = run_backup(selected, out)
    assert written == {}
    assert failures["dg-humen"].startswith("unexpected output:")
    assert (out / "dg-humen.cfg").read_text(encoding="utf-8") == "sysname dg-humen\n"


def test_push_shows_progress_per_host(
    push: Push,
    devices: dict[str, Any],
) -> None:
    progress = Progress(console=Console(file=io.StringIO()))
    push(commit=False, progress=progress)
    (task,) = progress.tasks
    assert (task.total, task.completed) == (3, 3)  # the skipped host is not pushed


def test_verify_changes_nothing_and_reports_each_host(
    reference: Design,
    graph: nx.MultiGraph,
    intents: dict[str, DeviceIntent],
    nornir: Nornir,
    devices: dict[str, Any],
) -> None:
    from govnet.inventory.push import run_verify
    from govnet.inventory.verification import VerifyResult

    devices["dg-changan"].cli.side_effect = cli_answer("iosxr", SAMPLES[Platform.IOSXR])
    outcome = run_verify(reference, graph, nornir)
    assert set(outcome) == set(HOSTS)
    results = {h: r for h, r in outcome.items() if isinstance(r, VerifyResult)}
    assert results["dg-humen"].ok and results["dg-qingxi"].ok
    assert not results["dg-changan"].ok
    for device in devices.values():
        called = {c[0] for c in device.mock_calls}
        assert called <= {
            "get_interfaces_ip",
            "cli",
            "get_route_to",
            "close",
        }, called


def test_a_missing_loopback_route_fails_verification_and_rolls_back(
    push: Push,
    reference: Design,
    graph: nx.MultiGraph,
    devices: dict[str, Any],
    network: Network,
) -> None:
    """dg-qingxi has no route to dg-mc-02's IPv6 loopback after its commit (dg-mc-02 is not
    changed and was fine: dg-qingxi's change explains it)."""
    lost = f"{design_loopbacks(reference, graph)['dg-mc-02'][1]}/128"
    devices["dg-qingxi"].get_route_to.side_effect = lambda destination: (
        {}
        if destination == lost and "dg-qingxi" in network.committed
        else {destination: [{"protocol": "isis"}]}
    )
    report = push(commit=True)
    assert statuses(report)["dg-qingxi"] == "rolled back"
    assert statuses(report)["dg-humen"] == "committed"
    qingxi = host_report(report, "dg-qingxi")
    assert qingxi.verification is not None
    routes = next(c for c in qingxi.verification.checks if c.name == "loopback routes")
    assert routes.status == "failed" and routes.detail == f"no route to {lost}"
    assert routes.subjects == ("dg-mc-02",)
    devices["dg-qingxi"].rollback.assert_called_once_with()


# --- likely cause, rollout order, the command line


def routes_without(loopbacks: dict[str, tuple[str, str]], *gone: str) -> Callable[..., Any]:
    """get_route_to answering a route for every prefix but the loopbacks of ``gone``."""
    missing = {f"{a}/{128 if ':' in a else 32}" for g in gone for a in loopbacks[g]}
    return lambda destination: (
        {} if destination in missing else {destination: [{"protocol": "isis"}]}
    )


def test_verify_names_an_unreachable_router_as_the_likely_cause(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    network: Network,
) -> None:
    from govnet.inventory.judgement import likely_causes
    from govnet.inventory.push import run_verify

    loopbacks = design_loopbacks(reference, graph)
    network.cut.add("dg-humen")
    devices["dg-changan"].get_route_to.side_effect = routes_without(loopbacks, "dg-humen")
    devices["dg-qingxi"].get_route_to.side_effect = routes_without(
        loopbacks, "dg-humen", "dg-mc-01"
    )
    outcome = run_verify(reference, graph, nornir)
    assert isinstance(outcome["dg-humen"], str)
    assert likely_causes(outcome) == {"dg-changan": "caused by dg-humen: unreachable"}


def test_rollout_goes_edge_first_and_route_reflectors_last(reference: Design) -> None:
    from govnet.inventory.rollout import plan_batches, rollout_order

    roles = {name: str(host.role) for name, host in reference.hosts.items()}
    order = rollout_order(roles)
    ranks = [
        ["bureau_ce"],
        ["access"],
        ["town"],
        ["aggregation"],
        ["cloud_dc_gw", "dr_dc_gw", "internet_egress"],
        ["city_wan_core"],
        ["province_wan_core"],
        ["metro_core"],
    ]
    rank_of = {role: i for i, group in enumerate(ranks) for role in group}
    seen = [rank_of[roles[name]] for name in order]
    assert seen == sorted(seen)
    assert order[:2] == ["dg-ce-czj", "dg-ce-gaj"]  # CEs first, by name
    assert order[-4:] == ["dg-wan-01", "dg-wan-02", "dg-mc-01", "dg-mc-02"]
    towns = [n for n in order if roles[n] == "town"]
    assert towns == sorted(towns)
    assert plan_batches(["a", "b", "c", "d", "e"], 1, 2) == [("a",), ("b", "c"), ("d", "e")]
    assert plan_batches(["a", "b", "c"], 0, 0) == [("a", "b", "c")]
    assert plan_batches(["a", "b"], 5, 0) == [("a", "b")]
    assert plan_batches([], 1, 0) == []


CLI_HOSTS = ["--hosts", ",".join(HOSTS), "--design", str(REFERENCE)]


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVNET_USERNAME", "noc-writer")
    monkeypatch.setenv("GOVNET_PASSWORD", "from-the-environment-only")


def test_push_cli_commits_in_batches_and_reports_every_phase_as_json(
    devices: dict[str, Any], secrets: None, credentials: None
) -> None:
    from typer.testing import CliRunner

    from govnet.cli import app

    flags = ["--commit", "--json", "--confirm-timeout", "240", "--settle", "0"]
    flags += ["--canary", "1", "--batch-size", "1", "--max-failures", "2"]
    result = CliRunner().invoke(app, ["push", *CLI_HOSTS, *flags])
    assert result.exit_code == 0, result.output
    payload = json_result(result.stdout)
    assert (payload["commit"], payload["refused"], payload["stopped"]) == (True, "", "")
    assert payload["rollout"] == {
        "confirm_timeout": 240,
        "settle": 0.0,
        "canary": 1,
        "batch_size": 1,
        "max_failures": 2,
        "allow_degraded": False,
    }
    hosts = {h["host"]: h for h in payload["hosts"]}
    assert {n: (h["batch"], h["status"]) for n, h in hosts.items()} == {
        "dg-changan": (0, "committed"),
        "dg-humen": (1, "committed"),
        "dg-qingxi": (2, "committed"),
    }
    humen = hosts["dg-humen"]
    assert set(humen) == {
        "host",
        "platform",
        "status",
        "reason",
        "batch",
        "baseline",
        "diff",
        "commit",
        "revert_in",
        "drift",
        "verification",
        "verdict",
        "timings",
    }
    assert (humen["commit"], humen["revert_in"], humen["drift"]) == ("committed", 240, "")
    assert humen["diff"] == "+ sysname dg-humen\n"
    assert humen["verdict"] == {"keep": True, "regressions": [], "excused": []}
    assert [c["status"] for c in humen["baseline"]["checks"]] == ["ok"] * 5
    assert set(humen["timings"]) == {"baseline", "commit", "check", "confirm"}
    for device in devices.values():
        device.commit_config.assert_called_once_with(revert_in=240)


def test_push_cli_refuses_on_a_failing_baseline_and_sends_nothing(
    devices: dict[str, Any], secrets: None, credentials: None
) -> None:
    from typer.testing import CliRunner

    from govnet.cli import app

    devices["dg-changan"].cli.side_effect = cli_answer("iosxr", SAMPLES[Platform.IOSXR])
    result = CliRunner().invoke(app, ["push", *CLI_HOSTS, "--commit"])
    assert result.exit_code == 1
    assert "push refused: the baseline already fails on 1 host(s)" in result.output
    assert "dg-changan: bgp: 10.200.0.45 vpnv6 down" in result.output
    for device in devices.values():
        assert loaded(device) == []


def test_push_cli_refuses_a_settle_time_the_confirm_timer_cannot_cover(
    devices: dict[str, Any], credentials: None
) -> None:
    from typer.testing import CliRunner

    from govnet.cli import app

    args = ["push", *CLI_HOSTS, "--commit", "--confirm-timeout", "60", "--settle", "30"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "--settle 30 s must stay under half of --confirm-timeout 60 s" in result.output
    for device in devices.values():
        assert device.mock_calls == []


def test_failing_checks_name_the_devices_they_are_about(
    reference: Design, graph: nx.MultiGraph, intents: dict[str, DeviceIntent]
) -> None:
    from govnet.inventory.verification import (
        Adjacency,
        BgpSession,
        VerifyResult,
        check_bgp_sessions,
        check_isis_adjacencies,
        check_loopback_routes,
        expected_adjacencies,
        name_subjects,
    )

    humen = intents["dg-humen"]
    expected = expected_adjacencies(humen)
    (first, peer), (second, other) = sorted(expected.items())[:2]
    isis = check_isis_adjacencies(
        humen,
        [Adjacency(first, peer, up=False), Adjacency(second, "dg-intruder", up=True)],
    )
    assert isis.status == "failed"
    assert isis.subjects == (peer, other, "dg-intruder")

    loopbacks = design_loopbacks(reference, graph)
    wanted = loopback_prefixes("dg-humen", loopbacks)
    gone = {f"{loopbacks['dg-mc-01'][0]}/32", f"{loopbacks['dg-qingxi'][1]}/128"}
    routes = check_loopback_routes("dg-humen", [p for p in wanted if p not in gone], loopbacks)
    assert routes.subjects == ("dg-mc-01", "dg-qingxi")

    assert humen.bgp is not None
    reflector = humen.bgp.neighbors[0]
    sessions = [
        BgpSession(n.address, family, up=n.address != reflector.address)
        for n in humen.bgp.neighbors
        for family in n.families
    ]
    bgp = check_bgp_sessions(humen, sessions)
    assert bgp.subjects == (reflector.address,)
    named = name_subjects(VerifyResult(checks=(bgp, isis)), loopbacks)
    owner = next(d for d, pair in loopbacks.items() if reflector.address in pair)
    assert owner.startswith("dg-mc-")
    assert [c.subjects for c in named.checks] == [(owner,), isis.subjects]


def test_confirm_timers_follow_the_platform_and_are_never_clamped() -> None:
    from govnet.inventory.rollout import confirm_timer, loads_as_replace

    assert confirm_timer("junos", 90) == 120  # rounded up to Junos' minutes
    assert confirm_timer("junos", 300) == 300
    assert confirm_timer("iosxr", 300) == 300
    with pytest.raises(ValueError, match=r"iosxr takes a commit-confirm timer of 30\.\.300 s"):
        confirm_timer("iosxr", 600)
    with pytest.raises(ValueError, match="junos takes a commit-confirm timer of 60"):
        confirm_timer("junos", 30)
    assert confirm_timer("frr", 7) == 7
    assert confirm_timer("not-a-platform", 7) == 7
    assert (loads_as_replace("junos"), loads_as_replace("huawei_vrp")) == (True, False)
    assert loads_as_replace("iosxr") and loads_as_replace("frr")


def test_a_timer_the_platform_refuses_fails_that_host_before_connecting_and_replace_is_used(
    push: Push,
    devices: dict[str, Any],
    mocker: MockerFixture,
) -> None:
    rollout = Rollout(confirm_timeout=400)
    report = push(commit=True, rollout=rollout)
    changan = host_report(report, "dg-changan")
    assert changan.status == "failed"
    assert (
        changan.reason
        == "iosxr takes a commit-confirm timer of 30..300 s in steps of 1 s, not 400 s"
    )
    assert devices["dg-changan"].mock_calls == []
    qingxi = devices["dg-qingxi"]
    qingxi.load_replace_candidate.assert_called()  # Junos replaces
    qingxi.load_merge_candidate.assert_not_called()
    qingxi.commit_config.assert_called_once_with(revert_in=420)
    devices["dg-humen"].load_merge_candidate.assert_called()  # VRP merges
    assert statuses(report)["dg-qingxi"] == "committed"
    assert host_report(report, "dg-qingxi").revert_in == 420


@pytest.mark.parametrize("regressed", [False, True])
def test_a_host_verified_after_its_timer_may_have_run_out_is_never_confirmed_nor_rolled_back(
    push: Push, devices: dict[str, Any], network: Network, regressed: bool
) -> None:
    """dg-humen's commit took 298 of its 300 seconds: a confirmation would race its timer,
    and a rollback after the timer fired would undo the commit before ours."""
    waits: list[float] = []
    if regressed:
        devices["dg-humen"].cli.side_effect = after_commit(
            network,
            "dg-humen",
            cli_answer("huawei_vrp"),
            cli_answer("huawei_vrp", SAMPLES[Platform.HUAWEI_VRP]),
        )

    def clock() -> float:
        return 1000.0 + (298.0 if "dg-humen" in network.committed else 0.0)

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        network.committed.discard("dg-humen")  # its timer took the change back

    report = push(commit=True, clock=clock, sleep=sleep)
    devices["dg-humen"].confirm_commit.assert_not_called()
    devices["dg-humen"].rollback.assert_not_called()
    humen = host_report(report, "dg-humen")
    assert humen.status == "reverted"
    assert humen.reason.startswith("verification outlasted the confirm timer")
    assert humen.verdict is not None and humen.verdict.keep is not regressed
    assert waits == [300 + 15]


def test_a_refused_confirmation_leaves_the_host_to_its_timer(
    push: Push, devices: dict[str, Any], network: Network
) -> None:
    changan = devices["dg-changan"]
    changan.confirm_commit.side_effect = RuntimeError("session lost")
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        network.committed.discard("dg-changan")  # the timer took the change back

    report = push(sleep=sleep)
    changan.rollback.assert_not_called()  # nothing more is sent: the timer is the way back
    host = host_report(report, "dg-changan")
    assert host.status == "reverted"
    assert host.reason == (
        "confirm failed (error: RuntimeError: session lost); "
        "reverted by its confirm timer (the change is gone)"
    )
    assert len(waits) == 1
    assert statuses(report)["dg-humen"] == "committed"


def test_a_drift_check_that_cannot_read_the_device_rolls_it_back(
    push: Push, devices: dict[str, Any], network: Network
) -> None:
    qingxi = devices["dg-qingxi"]

    def locked(**_: Any) -> None:
        raise RuntimeError("candidate locked")

    qingxi.load_replace_candidate.side_effect = after_commit(network, "dg-qingxi", None, locked)
    report = push()
    qingxi.rollback.assert_called_once_with()
    qingxi.confirm_commit.assert_not_called()
    host = host_report(report, "dg-qingxi")
    assert host.status == "failed"
    assert host.drift == "the drift check failed: error: RuntimeError: candidate locked"
    assert (
        host.reason == "the drift check failed: error: RuntimeError: candidate locked; rolled back"
    )


def test_a_commit_pending_from_another_session_is_left_alone(
    push: Push, devices: dict[str, Any], mocker: MockerFixture
) -> None:
    humen = devices["dg-humen"]
    humen.has_pending_commit.return_value = True
    report = push()
    assert call_names(humen)[-2:] == ["has_pending_commit", "close"]
    assert loaded(humen) == []
    humen.rollback.assert_not_called()
    host = host_report(report, "dg-humen")
    assert (host.status, host.commit) == ("failed", "failed")
    assert host.reason == (
        "a confirmed commit is already pending on the device (another session's): nothing sent"
    )
    assert statuses(report)["dg-changan"] == "committed"


def test_a_baseline_design_is_what_the_baseline_checks(
    push: Push,
    devices: dict[str, Any],
    tmp_path: Path,
) -> None:
    """A migration stage adds sessions: before it is pushed, the devices run the previous
    stage, so the baseline checks what that design promises (here: SRv6 sessions only, so
    the IPv4 session that is down on dg-changan does not refuse the push)."""
    devices["dg-changan"].cli.side_effect = cli_answer("iosxr", SAMPLES[Platform.IOSXR])
    root = copy_design(REFERENCE, tmp_path / "srv6")
    replace_in(root / "topology/network.yaml", "transport: dual ", "transport: srv6 ")
    refused = push(commit=True)
    assert refused.refused.startswith("the baseline already fails on 1 host(s)")
    report = push(commit=True, baseline_design=load_design(root))
    assert report.refused == ""
    changan = host_report(report, "dg-changan")
    assert changan.baseline is not None and changan.baseline.ok
    assert "bgp" in [c.name for c in changan.baseline.checks]
