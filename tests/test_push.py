"""Push: secrets resolved before sending, the exact NAPALM call sequence per host (dry run never
commits, a failed verification rolls back, an error discards the candidate and never stops the
other hosts), verification against the intent, backups, and the report tables."""

from __future__ import annotations

import io
import os
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
from pytest_mock import MockerFixture
from rich.console import Console
from rich.progress import Progress

from govnet.design import Design
from govnet.inventory.bgp_cli import BGP_CLI_HOOKS
from govnet.inventory.platforms import Platform
from govnet.inventory.push import (
    BGP_HOOKS,
    design_loopbacks,
    napalm_bgp,
    run_backup,
    run_push,
)
from govnet.inventory.push_report import PushReport, push_tables
from govnet.inventory.rollout import Rollout
from govnet.inventory.secrets import UnresolvedSecrets, resolve_secrets
from govnet.inventory.verification import check_bgp, check_loopbacks, loopback_prefixes
from govnet.ipv6 import live
from govnet.ipv6.live import build_nornir
from govnet.templates.build import build_intents
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE
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
        return (DEVICE_CLI / f"{platform}_{command.replace(' ', '_')}.txt").read_text()

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
        assert name == "napalm"
        if host.name not in network.sessions:
            if host.name in network.cut:
                raise ConnectionException(f"{host.name}: timed out")
            network.opened[host.name] = network.opened.get(host.name, 0) + 1
            network.sessions.add(host.name)
        return drivers[host.name]

    def close(host: Host, name: str) -> None:
        assert name == "napalm"
        if host.name not in network.sessions:
            raise ConnectionNotOpen(name)
        network.sessions.discard(host.name)
        drivers[host.name].close()

    def close_all(host: Host) -> None:
        if host.name in network.sessions:
            close(host, "napalm")

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
    """What one verification of ``name`` asks its device, in order."""
    return [
        *[mocker.call.cli([command]) for command in bgp_commands(platform)],
        mocker.call.get_interfaces_ip(),
        mocker.call.cli([ISIS_COMMANDS[platform]]),
        mocker.call.cli([SRV6_COMMANDS[platform]]),
        *[
            mocker.call.get_route_to(destination=prefix)
            for prefix in loopback_prefixes(name, loopbacks)
        ],
    ]


def rendered(reference: Design, graph: nx.MultiGraph) -> dict[str, str]:
    """Each host's config as it must be sent: rendered, secrets resolved."""
    return {
        c.hostname: resolve_secrets(c.text, os.environ)
        for c in render_design(reference, graph, HOSTS)
    }


def statuses(report: PushReport) -> dict[str, str]:
    return {host.host: host.status for host in report.hosts}


# --- push

NO_WAIT = Rollout(confirm_timeout=300)


def call_names(device: Any) -> list[str]:
    return [c[0] for c in device.mock_calls]


def after_baseline(device: Any) -> list[Any]:
    """The device's calls from the first load on (what the baseline read comes before)."""
    names = call_names(device)
    first = next(i for i, n in enumerate(names) if n.startswith("load_"))
    return list(device.mock_calls[first:])


def test_dry_run_loads_compares_and_discards_only(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
    mocker: MockerFixture,
) -> None:
    report = run_push(reference, graph, nornir, commit=False)
    configs = rendered(reference, graph)
    for name, device in devices.items():
        assert device.mock_calls == [
            mocker.call.load_merge_candidate(config=configs[name]),
            mocker.call.compare_config(),
            mocker.call.discard_config(),
            mocker.call.close(),
        ]
        device.commit_config.assert_not_called()
        assert "%SECRET(" not in configs[name]
        assert SECRETS["GOVNET_TACACS_KEY"] in configs[name]
    assert statuses(report) == {
        "dg-changan": "would change",
        "dg-humen": "would change",
        "dg-qingxi": "would change",
        "dg-not-designed": "skipped",
    }
    assert report.ok
    humen = next(h for h in report.hosts if h.host == "dg-humen")
    assert humen.diff == "+ sysname dg-humen\n"
    assert humen.verification is None and humen.baseline is None
    skipped = next(h for h in report.hosts if h.host == "dg-not-designed")
    assert skipped.reason == "not in the design"


def test_a_confirmed_commit_is_verified_over_a_fresh_connection_then_confirmed(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    intents: dict[str, DeviceIntent],
    network: Network,
    secrets: None,
    mocker: MockerFixture,
) -> None:
    """baseline; load, diff, commit with the timer, close; on a fresh connection: the same
    candidate again (no diff: the device took it), discard, verify; confirm."""
    rollout = Rollout(confirm_timeout=240)
    report = run_push(reference, graph, nornir, commit=True, rollout=rollout)
    configs = rendered(reference, graph)
    loopbacks = design_loopbacks(reference, graph)
    for name, device in devices.items():
        verify = verification_calls(name, intents[name].platform, loopbacks, mocker)
        assert device.mock_calls == [
            *verify,
            mocker.call.close(),
            mocker.call.load_merge_candidate(config=configs[name]),
            mocker.call.compare_config(),
            mocker.call.commit_config(revert_in=240),
            mocker.call.close(),
            mocker.call.load_merge_candidate(config=configs[name]),
            mocker.call.compare_config(),
            mocker.call.discard_config(),
            *verify,
            mocker.call.confirm_commit(),
            mocker.call.close(),
        ]
        assert network.opened[name] == 3  # baseline, commit, and the fresh one to confirm
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
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    network: Network,
    secrets: None,
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

    report = run_push(reference, graph, nornir, commit=True)

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
    changan_report = next(h for h in report.hosts if h.host == "dg-changan")
    assert "bgp: 10.200.0.45 vpnv6 down" in changan_report.reason
    assert changan_report.verdict is not None
    (regression,) = changan_report.verdict.regressions
    assert regression.check == "bgp" and regression.subjects == ("dg-mc-02",)
    qingxi_report = next(h for h in report.hosts if h.host == "dg-qingxi")
    assert "loopbacks: missing 10.200.0." in qingxi_report.reason


def test_a_neighbour_of_an_unreachable_host_keeps_its_commit_and_names_the_cause(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    network: Network,
    secrets: None,
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

    report = run_push(reference, graph, nornir, commit=True, sleep=sleeps.append)

    humen = devices["dg-humen"]
    assert call_names(humen)[-4:] == [
        "load_merge_candidate",
        "compare_config",
        "commit_config",
        "close",
    ]  # nothing after the commit: it could not be reached again
    assert statuses(report)["dg-changan"] == "committed"
    devices["dg-changan"].confirm_commit.assert_called_once_with()
    changan = next(h for h in report.hosts if h.host == "dg-changan")
    assert changan.verdict is not None and changan.verdict.keep
    (excused,) = changan.verdict.excused
    assert excused.regression.check == "loopback routes"
    assert excused.causes == (("dg-humen", "unreachable"),)
    assert "caused by dg-humen: unreachable" in changan.reason
    assert statuses(report)["dg-qingxi"] == "rolled back"
    qingxi = next(h for h in report.hosts if h.host == "dg-qingxi")
    assert qingxi.verdict is not None
    assert [r.subjects for r in qingxi.verdict.regressions] == [("dg-mc-01",)]
    # dg-humen: reported reverting, the run waited once for its timer, it stayed cut off
    assert len(sleeps) == 1 and 300 <= sleeps[0] <= 300 + 15
    humen_report = next(h for h in report.hosts if h.host == "dg-humen")
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
    assert call_names(qingxi)[-3:] == ["commit_config", "close", "close"]
    qingxi.confirm_commit.assert_not_called()
    qingxi.rollback.assert_not_called()
    assert waits == [120 + 15]
    host = next(h for h in report.hosts if h.host == "dg-qingxi")
    assert host.status == "reverted"
    assert host.reason.startswith("unreachable after commit (unreachable: dg-qingxi: timed out)")
    assert "reverted by its confirm timer" in host.reason
    assert host.verification is None and host.verdict is None
    assert statuses(report)["dg-humen"] == "committed"
    assert not report.ok


def test_drift_fails_the_host_and_rolls_it_back(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    network: Network,
    secrets: None,
    mocker: MockerFixture,
) -> None:
    """dg-humen silently dropped a line: the same candidate still shows a diff."""
    devices["dg-humen"].compare_config.side_effect = after_commit(
        network, "dg-humen", "+ sysname dg-humen\n+ ntp key 7\n", "+ ntp key 7\n"
    )
    report = run_push(reference, graph, nornir, commit=True)
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
    host = next(h for h in report.hosts if h.host == "dg-humen")
    assert (host.status, host.drift) == ("failed", "+ ntp key 7")
    assert host.reason == "device runs something else: + ntp key 7; rolled back"
    assert statuses(report)["dg-changan"] == "committed"


def test_a_failing_baseline_refuses_and_sends_nothing(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    network: Network,
    secrets: None,
) -> None:
    devices["dg-changan"].cli.side_effect = cli_answer("iosxr", SAMPLES[Platform.IOSXR])
    network.cut.add("dg-qingxi")
    report = run_push(reference, graph, nornir, commit=True)
    for device in devices.values():
        assert not [n for n in call_names(device) if n.startswith(("load_", "commit"))]
    assert report.refused.startswith("the baseline already fails on 2 host(s), nothing was sent")
    assert "dg-changan: bgp: 10.200.0.45 vpnv6 down" in report.refused
    assert "dg-qingxi: unreachable (unreachable: dg-qingxi: timed out)" in report.refused
    assert "dg-humen" not in report.refused
    assert set(statuses(report).values()) == {"skipped"}
    assert not report.ok
    changan = next(h for h in report.hosts if h.host == "dg-changan")
    assert changan.baseline is not None and not changan.baseline.ok


def test_allow_degraded_ignores_what_already_failed_and_skips_the_unreachable(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    network: Network,
    secrets: None,
) -> None:
    devices["dg-changan"].cli.side_effect = cli_answer("iosxr", SAMPLES[Platform.IOSXR])
    network.cut.add("dg-qingxi")
    rollout = Rollout(allow_degraded=True)
    report = run_push(reference, graph, nornir, commit=True, rollout=rollout)
    assert report.refused == ""
    assert statuses(report) == {
        "dg-changan": "committed",  # its BGP failed before the change already
        "dg-humen": "committed",
        "dg-qingxi": "skipped",
        "dg-not-designed": "skipped",
    }
    changan = next(h for h in report.hosts if h.host == "dg-changan")
    assert changan.verification is not None and not changan.verification.ok
    assert changan.verdict is not None and changan.verdict.keep
    qingxi = next(h for h in report.hosts if h.host == "dg-qingxi")
    assert qingxi.reason == "unreachable before the change: unreachable: dg-qingxi: timed out"
    devices["dg-qingxi"].load_merge_candidate.assert_not_called()
    assert report.ok


def test_a_failed_canary_stops_the_rest(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    network: Network,
    secrets: None,
) -> None:
    canary = devices["dg-changan"]  # the first by name: all three are towns
    canary.get_interfaces_ip.side_effect = after_commit(
        network, "dg-changan", canary.get_interfaces_ip.return_value, {}
    )
    report = run_push(reference, graph, nornir, commit=True, rollout=Rollout(canary=1))
    assert statuses(report) == {
        "dg-changan": "rolled back",
        "dg-humen": "skipped",
        "dg-qingxi": "skipped",
        "dg-not-designed": "skipped",
    }
    assert report.stopped == "canary failed"
    for name in ("dg-humen", "dg-qingxi"):
        devices[name].load_merge_candidate.assert_not_called()
        host = next(h for h in report.hosts if h.host == name)
        assert (host.batch, host.reason) == (1, "canary failed")
    assert next(h for h in report.hosts if h.host == "dg-changan").batch == 0


def test_max_failures_aborts_the_remaining_batches(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    network: Network,
    secrets: None,
) -> None:
    humen = devices["dg-humen"]
    humen.get_interfaces_ip.side_effect = after_commit(
        network, "dg-humen", humen.get_interfaces_ip.return_value, {}
    )
    rollout = Rollout(batch_size=1, max_failures=1)
    report = run_push(reference, graph, nornir, commit=True, rollout=rollout)
    assert statuses(report) == {
        "dg-changan": "committed",
        "dg-humen": "rolled back",
        "dg-qingxi": "skipped",
        "dg-not-designed": "skipped",
    }
    assert report.stopped == "aborted after 1 failures"
    qingxi = next(h for h in report.hosts if h.host == "dg-qingxi")
    assert (qingxi.batch, qingxi.reason) == (2, "aborted after 1 failures")
    devices["dg-qingxi"].load_merge_candidate.assert_not_called()


def test_a_failing_getter_or_rollback_is_reported(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    network: Network,
    secrets: None,
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

    report = run_push(reference, graph, nornir, commit=True, sleep=waits.append)

    devices["dg-humen"].rollback.assert_called_once_with()
    assert statuses(report)["dg-humen"] == "rolled back"
    humen = next(h for h in report.hosts if h.host == "dg-humen")
    assert "bgp: error: RuntimeError: cli broke" in humen.reason
    host = next(h for h in report.hosts if h.host == "dg-qingxi")
    assert host.status == "reverted"  # never confirmed: its own timer took the change back
    assert "rollback failed (error: RuntimeError: rollback refused)" in host.reason
    qingxi.confirm_commit.assert_not_called()
    assert len(waits) == 1
    assert statuses(report)["dg-changan"] == "committed"


def test_no_diff_discards_and_commits_nothing(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
    mocker: MockerFixture,
) -> None:
    for device in devices.values():
        device.compare_config.side_effect = lambda: ""
    report = run_push(reference, graph, nornir, commit=True)
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
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
    mocker: MockerFixture,
) -> None:
    devices["dg-humen"].compare_config.side_effect = RuntimeError("session dropped")
    report = run_push(reference, graph, nornir, commit=True)

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
    reason = next(h.reason for h in report.hosts if h.host == "dg-humen")
    assert reason == "error: RuntimeError: session dropped"
    assert not report.ok


def test_a_failing_commit_discards_the_candidate_and_cancels_a_pending_one(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
    mocker: MockerFixture,
) -> None:
    qingxi = devices["dg-qingxi"]
    qingxi.commit_config.side_effect = RuntimeError("commit check failed")
    qingxi.has_pending_commit.return_value = True
    report = run_push(reference, graph, nornir, commit=True)
    assert after_baseline(qingxi)[2:] == [
        mocker.call.commit_config(revert_in=300),
        mocker.call.discard_config(),
        mocker.call.has_pending_commit(),
        mocker.call.rollback(),
        mocker.call.close(),
    ]
    host = next(h for h in report.hosts if h.host == "dg-qingxi")
    assert (host.status, host.commit) == ("failed", "failed")
    assert host.reason == "error: RuntimeError: commit check failed"


def test_a_missing_secret_fails_before_any_connection(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOVNET_TACACS_KEY")
    report = run_push(reference, graph, nornir, commit=True)
    Host.get_connection.assert_not_called()  # type: ignore[attr-defined]
    for device in devices.values():
        assert device.mock_calls == []
    for host in report.hosts:
        if host.host in HOSTS:
            assert host.status == "failed"
            assert "env:GOVNET_TACACS_KEY" in host.reason
    assert not report.ok


def test_a_missing_napalm_driver_fails_only_its_hosts(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
    mocker: MockerFixture,
) -> None:
    def drivers(name: str) -> Any:
        if name == "huawei_vrp":
            raise ModuleImportError(f'Cannot import "{name}". Is the library installed?')
        return object

    mocker.patch.object(live, "get_network_driver", side_effect=drivers)
    report = run_push(reference, graph, nornir, commit=False)
    assert devices["dg-humen"].mock_calls == []
    humen = next(h for h in report.hosts if h.host == "dg-humen")
    assert humen.status == "failed"
    assert humen.reason.startswith("no driver:") and "napalm-huawei-vrp" in humen.reason
    assert statuses(report)["dg-changan"] == "would change"


def test_secret_values_never_reach_the_report(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
) -> None:
    key = SECRETS["GOVNET_TACACS_KEY"]
    devices["dg-changan"].compare_config.side_effect = lambda: f"+ tacacs-server key 7 {key}\n"
    devices["dg-humen"].compare_config.side_effect = RuntimeError(f"bad line: key {key}")
    report = run_push(reference, graph, nornir, commit=False)
    changan = next(h for h in report.hosts if h.host == "dg-changan")
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
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
) -> None:
    progress = Progress(console=Console(file=io.StringIO()))
    run_push(reference, graph, nornir, commit=False, progress=progress)
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
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    network: Network,
    secrets: None,
) -> None:
    """dg-qingxi has no route to dg-mc-02's IPv6 loopback after its commit (dg-mc-02 is not
    changed and was fine: dg-qingxi's change explains it)."""
    lost = f"{design_loopbacks(reference, graph)['dg-mc-02'][1]}/128"
    devices["dg-qingxi"].get_route_to.side_effect = lambda destination: (
        {}
        if destination == lost and "dg-qingxi" in network.committed
        else {destination: [{"protocol": "isis"}]}
    )
    report = run_push(reference, graph, nornir, commit=True)
    assert statuses(report)["dg-qingxi"] == "rolled back"
    assert statuses(report)["dg-humen"] == "committed"
    qingxi = next(h for h in report.hosts if h.host == "dg-qingxi")
    assert qingxi.verification is not None
    routes = next(c for c in qingxi.verification.checks if c.name == "loopback routes")
    assert routes.status == "failed" and routes.detail == f"no route to {lost}"
    assert routes.subjects == ("dg-mc-02",)
    devices["dg-qingxi"].rollback.assert_called_once_with()
