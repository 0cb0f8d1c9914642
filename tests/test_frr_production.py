"""FRR as a production Linux router: the frrhost design (the mini city with town-a and ce-01
on white boxes) renders each as a directory of files at their install paths, golden files for
both, the real tools accept every file (sshd, nft, rsyslogd, chronyd, snmpd, vtysh), the
documented facts hold (ciphers sshd knows, SSH admitted from every management prefix before
any drop), lint and the management-path check read the host files, bad input fails with one
clear error, and push refuses the run up front.

`UPDATE_GOLDEN=1 pytest tests/test_frr_production.py` rewrites the golden files; review the diff.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from nornir.core.inventory import Host
from passlib.hash import sha512_crypt  # type: ignore[import-untyped]
from typer.testing import CliRunner

from govnet.checks.lint import (
    inband_management,
    lint_configs,
    load_rules,
    management_addresses,
)
from govnet.checks.management_path import management_path_problems, nftables_problems
from govnet.cli import app
from govnet.design import Design, load_design, reference_design_path
from govnet.inventory.push import run_push
from govnet.inventory.secrets import resolve_secrets
from govnet.ipv6.live import build_nornir
from govnet.templates.build import build_intents
from govnet.templates.linux_host import (
    NFTABLES_CONF,
    SSHD_DROP_IN,
    bundle_text,
    linux_host,
    split_bundle,
)
from govnet.templates.render import RenderedConfig, render_design, write_configs
from govnet.topology.graph import build_graph
from tests.conftest import check_golden, copy_design, line_of, replace_in
from tests.test_candidates import ENVIRONMENT  # the secrets' test values

DESIGN = Path(__file__).parent / "designs" / "frrhost"
GOLDEN = Path(__file__).parent / "golden" / "frrhost"
ROUTERS = ("ce-01", "town-a")
ROOT = os.geteuid() == 0


def tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name,) if p.is_file()), None
    )


def needs(name: str, root: bool = False) -> pytest.MarkDecorator:
    why = f"{name} is not installed (Debian: see templates/frr/SOURCES.md, host files)"
    if root and not ROOT:
        return pytest.mark.skip(reason=f"{name} check needs root")
    return pytest.mark.skipif(tool(name) is None, reason=why)


@pytest.fixture(scope="module")
def design() -> Design:
    return load_design(DESIGN)


@pytest.fixture(scope="module")
def rendered(design: Design) -> list[RenderedConfig]:
    return render_design(design, build_graph(design))


@pytest.fixture(scope="module")
def routers(rendered: list[RenderedConfig]) -> dict[str, dict[str, str]]:
    """Host -> install path -> text, secrets resolved as they would be on delivery."""
    return {
        c.hostname: {
            str(f.path): resolve_secrets(f.text, ENVIRONMENT, host=c.hostname) for f in c.files
        }
        for c in rendered
        if c.files
    }


def write(tmp_path: Path, text: str, name: str = "file.conf") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- layout and golden files -----------------------------------------------------------------


def test_a_production_frr_host_renders_a_directory_of_install_paths(
    rendered: list[RenderedConfig], tmp_path: Path
) -> None:
    linux = {c.hostname: c for c in rendered if c.files}
    assert sorted(linux) == list(ROUTERS)
    assert all(c.path == Path("frr") / c.hostname for c in linux.values())
    town = [str(f.path) for f in linux["town-a"].files]
    assert town[0] == "etc/frr/frr.conf"
    assert set(town) == {
        "etc/frr/frr.conf", "etc/frr/daemons", "etc/sysctl.d/90-govnet-router.conf",
        SSHD_DROP_IN, "etc/issue", "etc/issue.net", NFTABLES_CONF, "etc/chrony/chrony.conf",
        "etc/chrony/chrony.keys", "etc/rsyslog.d/govnet.conf", "etc/snmp/snmpd.conf",
        "var/lib/snmp/snmpd.conf", "etc/security/faillock.conf", "etc/pam.d/common-auth",
        "etc/pam.d/common-account", "etc/sysusers.d/govnet.conf",
        "etc/govnet/local-users.chpasswd", "etc/profile.d/govnet-timeout.sh",
        "etc/systemd/networkd.conf.d/govnet.conf",
        *(f"etc/systemd/network/{name}" for name in (
            "10-govnet-INTERNET.netdev", "10-govnet-PUBLIC.netdev", "30-govnet-INTERNET.network",
            "30-govnet-PUBLIC.network", "30-govnet-eth1.network", "30-govnet-eth2.network",
        )),
    }  # fmt: skip
    # every other device keeps its one file
    others = [c for c in rendered if not c.files]
    assert {c.path.parts[0] for c in others} == {"huawei_vrp", "iosxr", "junos"}
    written = write_configs(tmp_path, rendered)
    keys = tmp_path / "frr/town-a/etc/chrony/chrony.keys"
    assert keys in written and keys.stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "frr/town-a/etc/nftables.conf").stat().st_mode & 0o777 == 0o755
    assert write_configs(tmp_path, rendered) == []  # unchanged files are left alone


def test_golden_files(rendered: list[RenderedConfig]) -> None:
    check_golden(GOLDEN, {c.path / f.path: f.text for c in rendered for f in c.files})


def test_the_bundle_text_splits_back_into_its_files(rendered: list[RenderedConfig]) -> None:
    town = next(c for c in rendered if c.hostname == "town-a")
    assert town.text == bundle_text(town.files)
    assert "#### govnet file /etc/chrony/chrony.keys mode 0640\n" in town.text
    assert split_bundle(town.text) == {str(f.path): f.text for f in town.files}
    assert split_bundle("router isis GOVNET\n") == {}


def test_the_intent_decides_daemons_and_filters(design: Design) -> None:
    intents = build_intents(design, build_graph(design), list(ROUTERS))
    town, ce = linux_host(intents["town-a"]), linux_host(intents["ce-01"])
    assert town.daemons == ["bgpd", "isisd", "ldpd", "bfdd"]
    assert ce.daemons == ["bgpd"]  # a CE: eBGP in its VRFs, static routes, no IS-IS
    assert town.listen_address == "10.99.0.11" and ce.listen_address == "10.99.0.21"
    assert town.management_ipv4 == ["10.99.0.0/16"] and town.management_ipv6 == []
    # iBGP to both route reflectors' loopbacks (MPLS over IPv4, SRv6 over IPv6)
    assert town.bgp_peers_ipv4 == ["10.100.0.5", "10.100.0.6"]
    assert town.bgp_peers_ipv6 == ["2001:db8:99::5", "2001:db8:99::6"]
    assert town.bfd_interfaces == town.ldp_interfaces == town.srv6_interfaces == ["eth1", "eth2"]
    assert ce.bgp_peers_ipv4 == ["10.101.0.4", "10.101.0.6", "10.101.0.8"]
    assert ce.bfd_interfaces == ce.ldp_interfaces == ce.srv6_interfaces == []


def test_bfd_to_an_ebgp_peer_in_a_vrf_is_admitted_on_the_link_and_the_vrf(design: Design) -> None:
    ce = build_intents(design, build_graph(design), ["ce-01"])["ce-01"]
    assert ce.bgp is not None
    neighbors = [n.model_copy(update={"bfd": n.address == "10.101.0.4"}) for n in ce.bgp.neighbors]
    with_bfd = ce.model_copy(update={"bgp": ce.bgp.model_copy(update={"neighbors": neighbors})})
    assert linux_host(with_bfd).bfd_interfaces == ["PUBLIC", "eth1.100"]
    assert linux_host(with_bfd).daemons == ["bgpd", "bfdd"]


def test_the_lab_rendering_is_untouched(design: Design) -> None:
    """The lab renders the same routers as FRR configs alone, without host files."""
    lab = render_design(design, build_graph(design), list(ROUTERS), lab=True)
    lab_only = [c for c in lab if c.path.parts[0] == "lab"]
    assert [c.path for c in lab_only] == [Path("lab/ce-01.conf"), Path("lab/town-a.conf")]
    assert all(not c.files and "#### govnet file" not in c.text for c in lab_only)


# --- the real tools ---------------------------------------------------------------------------


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@needs("vtysh")
@pytest.mark.parametrize("host", ROUTERS)
def test_frr_takes_the_production_config(
    routers: dict[str, dict[str, str]], host: str, tmp_path: Path
) -> None:
    path = write(tmp_path, routers[host]["etc/frr/frr.conf"])
    result = run(str(tool("vtysh")), "-C", "-f", str(path))
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@needs("sshd", root=True)
@pytest.mark.parametrize("host", ROUTERS)
def test_sshd_takes_the_drop_in(
    routers: dict[str, dict[str, str]], host: str, tmp_path: Path
) -> None:
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # what ssh.service creates at start
    path = write(tmp_path, routers[host][SSHD_DROP_IN])
    assert run(str(tool("sshd")), "-t", "-f", str(path)).returncode == 0
    effective = run(str(tool("sshd")), "-T", "-f", str(path)).stdout.splitlines()
    address = "10.99.0.11" if host == "town-a" else "10.99.0.21"
    assert f"listenaddress {address}:22" in effective
    assert "permitrootlogin no" in effective and "maxauthtries 5" in effective
    assert "channeltimeout session:*=10m" in effective  # management.yaml idle_timeout_minutes
    bad = write(tmp_path, "PermitRootLogin perhaps\n", "bad.conf")
    assert run(str(tool("sshd")), "-t", "-f", str(bad)).returncode != 0


@needs("ssh")
def test_every_ssh_algorithm_is_one_openssh_offers(routers: dict[str, dict[str, str]]) -> None:
    """sshd_config(5): Ciphers, MACs and KexAlgorithms take names from `ssh -Q cipher|mac|kex`
    (sshd and ssh are one OpenSSH build); none of them is CBC, MD5, SHA-1 or a 64-bit MAC."""
    lines = dict(
        line.split(" ", 1) for line in routers["town-a"][SSHD_DROP_IN].splitlines() if line
    )
    for keyword, query in (("Ciphers", "cipher"), ("MACs", "mac"), ("KexAlgorithms", "kex")):
        offered = set(run(str(tool("ssh")), "-Q", query).stdout.split())
        chosen = lines[keyword].split(",")
        assert chosen and set(chosen) <= offered, keyword
        assert not [c for c in chosen if "cbc" in c or "md5" in c or "sha1" in c or "-64" in c]


@needs("nft", root=True)
@needs("unshare")
@pytest.mark.parametrize("host", ROUTERS)
def test_nft_takes_the_ruleset(
    routers: dict[str, dict[str, str]], host: str, tmp_path: Path
) -> None:
    """`nft -c` in a throwaway network namespace: the host's own ruleset is never touched."""
    path = write(tmp_path, routers[host][NFTABLES_CONF])
    result = run(str(tool("unshare")), "-n", str(tool("nft")), "-c", "-f", str(path))
    assert (result.returncode, result.stderr) == (0, "")
    bad = write(tmp_path, "table inet govnet {\n chain input { policy drop }\n}\n", "bad.nft")
    assert run(str(tool("unshare")), "-n", str(tool("nft")), "-c", "-f", str(bad)).returncode != 0


@needs("rsyslogd")
def test_rsyslog_takes_the_forwarding(routers: dict[str, dict[str, str]], tmp_path: Path) -> None:
    path = write(tmp_path, routers["town-a"]["etc/rsyslog.d/govnet.conf"])
    assert run(str(tool("rsyslogd")), "-N1", "-f", str(path)).returncode == 0
    bad = write(tmp_path, 'action(type="omfwd" targt="10.199.255.21")\n', "bad.conf")
    assert run(str(tool("rsyslogd")), "-N1", "-f", str(bad)).returncode != 0


@needs("chronyd")
def test_chrony_takes_the_servers(routers: dict[str, dict[str, str]], tmp_path: Path) -> None:
    """`chronyd -p` parses the config and prints it (chronyd(8))."""
    path = write(tmp_path, routers["town-a"]["etc/chrony/chrony.conf"])
    result = run(str(tool("chronyd")), "-p", "-f", str(path))
    assert result.returncode == 0 and "server 10.199.255.31 iburst key 1" in result.stdout
    bad = write(tmp_path, "server 10.199.255.31 iburst key\n", "bad.conf")
    assert run(str(tool("chronyd")), "-p", "-f", str(bad)).returncode != 0
    keys = routers["town-a"]["etc/chrony/chrony.keys"].splitlines()[-1]
    assert keys == "1 SHA256 ASCII:ntp-sha256-test-key"  # chrony.conf(5) keyfile: ID TYPE KEY


def snmpd_complaints(tmp_path: Path, *files: Path) -> list[str]:
    """snmpd has no check mode: run it for two seconds in a throwaway network namespace (with
    non-local binds, so that it can bind the management address) on these files only (-C -c),
    and return the lines where it names one of them (`FILE: line N: Error|Warning: …`)."""
    script = (
        "sysctl -q net.ipv4.ip_nonlocal_bind=1; "
        f"timeout 2 {tool('snmpd')} -f -Lo -C -c {','.join(map(str, files))} -u nobody"
    )
    environment = {**os.environ, "SNMP_PERSISTENT_DIR": str(tmp_path / "persistent"), "MIBS": ""}
    result = subprocess.run(
        [str(tool("unshare")), "-n", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        env=environment,
    )
    return [line for line in result.stdout.splitlines() if any(str(f) in line for f in files)]


@needs("snmpd", root=True)
@needs("unshare")
def test_snmpd_takes_the_agent_and_its_users(
    routers: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    agent = write(tmp_path, routers["town-a"]["etc/snmp/snmpd.conf"], "snmpd.conf")
    users = write(tmp_path, routers["town-a"]["var/lib/snmp/snmpd.conf"], "users.conf")
    assert snmpd_complaints(tmp_path, agent, users) == []
    bad = write(tmp_path, "rouser -s usm govnet-nms privacy\n", "bad.conf")
    assert snmpd_complaints(tmp_path, bad) != []


@needs("sysctl", root=True)
@needs("unshare")
def test_the_kernel_takes_the_sysctls(routers: dict[str, dict[str, str]], tmp_path: Path) -> None:
    """`sysctl -p` in a throwaway network namespace with town-a's links (veth): every key is
    the kernel's but MPLS's, which only exist with the mpls_router module loaded (not here)."""
    path = write(tmp_path, routers["town-a"]["etc/sysctl.d/90-govnet-router.conf"])
    script = (
        "ip link add eth1 type veth peer name peer1 && ip link add eth2 type veth peer name "
        f"peer2 && {tool('sysctl')} -q -p {path}"
    )
    result = run(str(tool("unshare")), "-n", "sh", "-c", script)
    unknown = [line for line in result.stderr.splitlines() if "/net/mpls/" not in line]
    assert unknown == []
    assert result.returncode == 0 or Path("/proc/sys/net/mpls").exists() is False


def test_the_daemons_file_is_shell_that_starts_what_the_intent_runs(
    routers: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    """/usr/lib/frr/frrcommon.sh sources /etc/frr/daemons as shell."""
    path = write(tmp_path, routers["town-a"]["etc/frr/daemons"])
    script = f'. {path} && echo "$bgpd $isisd $ldpd $bfdd $ospfd $bgpd_options"'
    result = run("sh", "-c", script)
    assert result.stdout == "yes yes yes yes no -A 127.0.0.1\n"


@needs("bash")
def test_idle_shells_time_out(routers: dict[str, dict[str, str]], tmp_path: Path) -> None:
    """bash(1): TMOUT, readonly; management.yaml idle_timeout_minutes 10."""
    path = write(tmp_path, routers["town-a"]["etc/profile.d/govnet-timeout.sh"])
    result = run(str(tool("bash")), "-c", f". {path} && echo $TMOUT && TMOUT=0")
    assert result.stdout == "600\n" and "TMOUT: readonly variable" in result.stderr


LOGIN_TEST = """set -e
mount --make-rprivate /
mount --bind {etc} /etc
systemd-sysusers /etc/sysusers.d/govnet.conf
chpasswd -e < /etc/govnet/local-users.chpasswd
echo '{password}' | pamtester govnet-test govnet-break-glass authenticate acct_mgmt
for attempt in 1 2 3 4 5; do
  echo wrong | pamtester govnet-test govnet-break-glass authenticate || true
done
echo '{password}' | pamtester govnet-test govnet-break-glass authenticate || echo LOCKED
"""


@needs("pamtester", root=True)
@needs("systemd-sysusers")
@needs("chpasswd")
@needs("unshare")
def test_a_local_user_logs_in_and_is_locked_out_after_the_failures(
    routers: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    """The real login path, in a throwaway mount namespace over a copy of /etc: systemd-sysusers
    creates the user, `chpasswd -e` sets its hash, and PAM runs the rendered common-auth and
    common-account (pam_tacplus is not installed: its `-auth` line is skipped, the local
    password decides). Five wrong passwords (login.max_failures) lock the account."""
    etc = tmp_path / "etc"
    shutil.copytree("/etc", etc, symlinks=True, ignore_dangling_symlinks=True)
    town = routers["town-a"]
    for path in (
        "etc/pam.d/common-auth", "etc/pam.d/common-account", "etc/security/faillock.conf",
        "etc/sysusers.d/govnet.conf", "etc/govnet/local-users.chpasswd",
    ):  # fmt: skip
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(town[path], encoding="utf-8")
    with (etc / "security/faillock.conf").open("a", encoding="utf-8") as conf:
        conf.write(f"dir = {tmp_path / 'tally'}\n")  # the tally files, not /run/faillock's
    (etc / "pam.d/govnet-test").write_text("@include common-auth\n@include common-account\n")
    password = ENVIRONMENT["GOVNET_LOCAL_ADMIN_PASSWORD"]
    script = write(tmp_path, LOGIN_TEST.format(etc=etc, password=password), "login.sh")
    result = run(str(tool("unshare")), "-m", "sh", str(script))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("pamtester: successfully authenticated") == 1
    assert "pamtester: account management done." in result.stdout
    assert result.stdout.rstrip().endswith("LOCKED")
    assert "The account is locked due to 5 failed logins." in result.stdout + result.stderr


# --- documented facts -------------------------------------------------------------------------


def edges(prefix: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    network = ipaddress.ip_network(prefix)
    return [network.network_address, network.network_address + 1, network.broadcast_address]


@pytest.mark.parametrize("host", ROUTERS)
def test_every_management_prefix_reaches_ssh_before_any_drop(
    routers: dict[str, dict[str, str]], design: Design, host: str
) -> None:
    ruleset = routers[host][NFTABLES_CONF]
    for prefix in design.network.management:
        for address in edges(str(prefix)):
            assert nftables_problems(ruleset, address) == [], address
    rules = [line.strip() for line in ruleset.splitlines()]
    first = rules.index("ip saddr @management_ipv4 tcp dport 22 accept")
    assert first < min(i for i, rule in enumerate(rules) if rule.endswith(" drop"))
    outside = nftables_problems(ruleset, ipaddress.ip_address("192.0.2.1"))
    assert outside == ["no rule of the input chain accepts SSH from 192.0.2.1 (policy drop)"]


def test_an_ipv6_management_address_and_prefix(tmp_path: Path) -> None:
    """sshd_config(5) ListenAddress `[ADDR]:PORT` and snmpd.conf(5) `udp6:[ADDR]:161` for an
    IPv6 management address; the IPv6 management prefix reaches SSH too."""
    root = copy_design(DESIGN, tmp_path / "design")
    replace_in(root / "topology/network.yaml", "management: [10.99.0.0/16]",
               'management: [10.99.0.0/16, "2001:db8:199::/48"]')  # fmt: skip
    replace_in(
        root / "inventory/hosts.yaml", "hostname: 10.99.0.11", 'hostname: "2001:db8:199::11"'
    )
    design = load_design(root)
    town = next(c for c in render_design(design, build_graph(design), ["town-a"]) if c.files)
    files = {str(f.path): f.text for f in town.files}
    assert "ListenAddress [2001:db8:199::11]:22\n" in files[SSHD_DROP_IN]
    assert "agentaddress udp6:[2001:db8:199::11]:161\n" in files["etc/snmp/snmpd.conf"]
    ruleset = files[NFTABLES_CONF]
    assert "ip6 saddr @management_ipv6 tcp dport 22 accept" in ruleset
    for address in edges("2001:db8:199::/48") + edges("10.99.0.0/16"):
        assert nftables_problems(ruleset, address) == [], address
    own = ipaddress.ip_address("2001:db8:199::11")
    assert list(management_path_problems("frr", town.text, own)) == []
    if ROOT and tool("sshd") and tool("nft") and tool("unshare"):
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        sshd = write(tmp_path, files[SSHD_DROP_IN], "sshd.conf")
        assert run(str(tool("sshd")), "-t", "-f", str(sshd)).returncode == 0
        nft = write(tmp_path, ruleset, "nftables.conf")
        assert (
            run(str(tool("unshare")), "-n", str(tool("nft")), "-c", "-f", str(nft)).returncode == 0
        )


def documented_keys(page: str) -> dict[str, set[str]]:
    """Section name (upper case) -> the keys man ``page`` documents under "[SECTION] SECTION
    OPTIONS" (an entry line at the page's indentation names one key or several: "A=, B=")."""
    environment = {**os.environ, "MANWIDTH": "200"}
    text = subprocess.run(
        ["man", "-P", "cat", page], capture_output=True, text=True, env=environment, timeout=60
    ).stdout
    keys: dict[str, set[str]] = {}
    section = ""
    for line in text.splitlines():
        if heading := re.match(r"^\[(\S+)\] SECTION OPTIONS", line):
            section = heading[1].upper()
        elif section and re.match(r"^ {7}[A-Z][A-Za-z0-9]*=", line):
            keys.setdefault(section, set()).update(re.findall(r"([A-Z][A-Za-z0-9]*)=", line))
    return keys


@pytest.mark.skipif(
    shutil.which("man") is None or run("man", "-w", "systemd.netdev").returncode != 0,
    reason="the systemd man pages are not installed (Debian: systemd, man-db)",
)
def test_every_networkd_key_is_documented_in_its_section(
    routers: dict[str, dict[str, str]],
) -> None:
    """systemd.netdev(5), systemd.network(5), networkd.conf(5): each key of each file is one
    the page lists under that section (this kernel has no VLAN or VRF devices to try them)."""
    pages = {".netdev": "systemd.netdev", ".network": "systemd.network", ".conf": "networkd.conf"}
    manuals = {page: documented_keys(page) for page in pages.values()}
    checked = 0
    for files in routers.values():
        for path, text in files.items():
            if not path.startswith(("etc/systemd/network/", "etc/systemd/networkd.conf.d/")):
                continue
            documented = manuals[pages[Path(path).suffix]]
            section = ""
            for line in text.splitlines():
                if line.startswith("["):
                    section = line.strip("[]").upper()
                elif "=" in line and not line.startswith("#"):
                    assert line.split("=")[0] in documented[section], (path, line)
                    checked += 1
    assert checked > 40
    ce = routers["ce-01"]
    assert "VRF=PUBLIC" in ce["etc/systemd/network/30-govnet-eth1.100.network"]
    assert "Kind=vrf\n\n[VRF]\nTable=1100\n" in ce["etc/systemd/network/10-govnet-PUBLIC.netdev"]
    assert (
        "[Link]\nMTUBytes=9000\n" in routers["town-a"]["etc/systemd/network/30-govnet-eth1.network"]
    )


def test_the_nftables_check_catches_a_drop_before_the_ssh_rule() -> None:
    ruleset = (
        "table inet govnet {\n"
        "\tset management_ipv4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
        "\t\telements = { 10.99.0.0/16 }\n\t}\n"
        "\tchain input {\n"
        "\t\ttype filter hook input priority filter; policy drop;\n"
        '\t\tiifname "eth0" tcp dport 22 drop\n'
        "\t\tip saddr @management_ipv4 tcp dport 22 accept\n"
        "\t}\n}\n"
    )
    address = ipaddress.ip_address("10.99.0.11")
    assert nftables_problems(ruleset, address) == [
        f'line 9: iifname "eth0" tcp dport 22 drop drops SSH from {address}'
    ]
    unknown = ruleset.replace('iifname "eth0" tcp dport 22 drop', "tcp flags syn limit rate 1/s")
    assert nftables_problems(unknown, address) == [
        "line 9: tcp flags syn limit rate 1/s: a rule govnet cannot judge"
    ]


def test_the_policy_follows_the_intent(routers: dict[str, dict[str, str]]) -> None:
    town = routers["town-a"]
    assert (
        "deny = 5\nfail_interval = 900\nunlock_time = 900\n" in town["etc/security/faillock.conf"]
    )
    auth = [line.split("\t") for line in town["etc/pam.d/common-auth"].splitlines() if "\t" in line]
    modules = [words[2].split()[0] for words in auth]
    # pam_faillock(8): preauth before the password check, authfail right after it
    assert modules[:5] == [
        "pam_faillock.so", "pam_tacplus.so", "pam_unix.so", "pam_faillock.so", "pam_faillock.so"
    ]  # fmt: skip
    assert "server=10.199.255.11 server=10.199.255.12 secret=tacacs-test-key" in auth[1][2]
    assert town["etc/rsyslog.d/govnet.conf"].count('action(type="omfwd" target="10.199.255.2') == 2
    assert "rouser -s usm govnet-nms priv\n" in town["etc/snmp/snmpd.conf"]
    assert "community" not in town["etc/snmp/snmpd.conf"]
    assert town["etc/issue"].startswith("东莞市电子政务外网 — authorised use only.")
    password = town["etc/govnet/local-users.chpasswd"]
    name, hashed = password.rstrip("\n").split(":")
    assert name == "govnet-break-glass" and password.count("\n") == 1
    assert sha512_crypt.verify(ENVIRONMENT["GOVNET_LOCAL_ADMIN_PASSWORD"], hashed)


def test_a_community_only_where_the_design_asks_and_lint_says_so(tmp_path: Path) -> None:
    """snmpd.conf(5) rocommunity NAME SOURCE: from the management prefixes only."""
    root = copy_design(DESIGN, tmp_path / "design")
    replace_in(root / "topology/management.yaml", "  trap_hosts: [10.199.255.41]",
               "  trap_hosts: [10.199.255.41]\n  community: weak-Community-1")  # fmt: skip
    design = load_design(root)
    rendered = render_design(design, build_graph(design), ["town-a"])
    town = next(c for c in rendered if c.files)
    agent = {str(f.path): f.text for f in town.files}["etc/snmp/snmpd.conf"]
    assert "\nrocommunity weak-Community-1 10.99.0.0/16\n" in agent
    rules = load_rules([design.root, reference_design_path()])
    findings = lint_configs(
        [("town-a", "frr", town.text)], rules, management_addresses(design.hosts)
    )
    assert {(f.rule, f.evidence.split(":")[0]) for f in findings} == {
        (
            "snmpv3-only",
            f"line {town.text.splitlines().index('rocommunity weak-Community-1 10.99.0.0/16') + 1}",
        )
    }
    if ROOT and tool("snmpd") and tool("unshare"):
        path = write(tmp_path, agent, "snmpd.conf")
        assert snmpd_complaints(tmp_path, path) == []


# --- lint and the management path --------------------------------------------------------------


def test_lint_reads_the_host_files(rendered: list[RenderedConfig], design: Design) -> None:
    rules = load_rules([design.root, reference_design_path()])
    triples = [(c.hostname, c.platform, c.text) for c in rendered]
    assert lint_configs(triples, rules, management_addresses(design.hosts)) == []
    town = next(c for c in rendered if c.hostname == "town-a")
    weakened = town.text.replace("PermitRootLogin no", "PermitRootLogin yes").replace(
        "ListenAddress 10.99.0.11:22", "ListenAddress 10.99.0.99:22"
    )
    findings = lint_configs(
        [("town-a", "frr", weakened)], rules, management_addresses(design.hosts)
    )
    root_login = town.text.splitlines().index("PermitRootLogin no") + 1
    assert {(f.rule, f.evidence) for f in findings} == {
        ("ssh-hardening", "missing: /^PermitRootLogin no$/"),
        ("ssh-hardening", f"line {root_login}: PermitRootLogin yes"),
        (
            "management-path",
            "/etc/ssh/sshd_config.d/govnet.conf: sshd does not listen on 10.99.0.11 port 22: "
            "line 4: ListenAddress 10.99.0.99:22",
        ),
    }


@pytest.mark.parametrize(
    ("placeholder", "clear"),
    [
        ("ASCII:%SECRET(env:GOVNET_NTP_KEY_SHA256)%", "ASCII:ntp-in-clear"),
        ("SHA-256 %SECRET(env:GOVNET_SNMP_AUTH_KEY)% AES", "SHA-256 snmp-in-clear AES"),
        ("secret=%SECRET(env:GOVNET_TACACS_KEY)%", "secret=tacacs-in-clear"),
        ("%SECRET(env:GOVNET_LOCAL_ADMIN_PASSWORD|sha512-crypt)%", "password-in-clear"),
    ],
    ids=["chrony-key", "snmp-user", "tacacs-key", "local-password"],
)
def test_a_host_secret_in_clear_text_is_a_finding(
    rendered: list[RenderedConfig], design: Design, placeholder: str, clear: str
) -> None:
    town = next(c for c in rendered if c.hostname == "town-a")
    assert town.text.count(placeholder) == 1
    weakened = town.text.replace(placeholder, clear)
    rules = load_rules([design.root, reference_design_path()])
    findings = lint_configs(
        [("town-a", "frr", weakened)], rules, management_addresses(design.hosts)
    )
    assert [f.rule for f in findings] == ["no-clear-text-host-secrets"]
    assert clear in findings[0].evidence


def test_the_ce_in_band_path_is_read_from_its_frr_conf(
    rendered: list[RenderedConfig], design: Design
) -> None:
    """A bureau CE on a white box: its address on lo and its routes back, in frr.conf."""
    ce = next(c for c in rendered if c.hostname == "ce-01")
    rules = load_rules([design.root, reference_design_path()])
    addresses = management_addresses(design.hosts)
    inband = inband_management(design.hosts, design.network.management)
    assert lint_configs([("ce-01", "frr", ce.text)], rules, addresses, inband) == []
    broken = ce.text.replace(" ip address 10.99.0.21/32\n", "").replace(
        "ip route 10.99.0.0/16 ", "ip route 10.98.0.0/16 "
    )
    findings = lint_configs([("ce-01", "frr", broken)], rules, addresses, inband)
    assert [(f.rule, f.evidence) for f in findings] == [
        (
            "management-path",
            "in-band management: 10.99.0.21 is on no interface of the global table (a bureau CE "
            "has no out-of-band network)",
        ),
        (
            "management-path",
            "in-band management: no global static route towards 10.99.0.0/16 through a directly "
            "connected next hop (replies to the NOC have no way back)",
        ),
    ]


def test_the_management_path_needs_both_host_files(rendered: list[RenderedConfig]) -> None:
    town = next(c for c in rendered if c.hostname == "town-a")
    without = bundle_text(tuple(f for f in town.files if str(f.path) != NFTABLES_CONF))
    address = ipaddress.ip_address("10.99.0.11")
    assert list(management_path_problems("frr", without, address)) == [
        "/etc/nftables.conf is missing"
    ]
    assert list(management_path_problems("frr", town.text, address)) == []
    assert list(management_path_problems("frr", "router isis GOVNET\n", address)) == []  # the lab


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "  # allowed_prefixes defaults to topology/network.yaml management",
            "  allowed_prefixes: []",
            "remote_access.allowed_prefixes",
            "empty: the nftables filter of the production FRR host(s) ce-01, town-a admits SSH "
            "from these prefixes only (leave the field out for the network's management prefixes)",
        ),
        (
            "authorised use only.",
            "authorised use only \\\\o/",
            "banner",
            "holds a backslash, which agetty reads in /etc/issue as an escape (agetty(8)): the "
            "production FRR host(s) ce-01, town-a print the banner from /etc/issue",
        ),
    ],
    ids=["no-management-prefixes", "banner-backslash"],
)
def test_bad_input_gets_one_clear_error(
    tmp_path: Path, old: str, new: str, field: str, message: str
) -> None:
    root = copy_design(DESIGN, tmp_path / "design")
    management = root / "topology/management.yaml"
    replace_in(management, old, new)
    line = line_of(management, new.strip().split(":")[0] if field != "banner" else "banner:")
    result = CliRunner().invoke(app, ["validate", "--design", str(root)])
    assert result.exit_code == 2
    problems = [p for p in result.output.splitlines() if p.startswith("topology/")]
    assert problems == [f"topology/management.yaml:{line}: {field}: {message}"]
    out = tmp_path / "out"
    rendered = CliRunner().invoke(app, ["render", "--design", str(root), "--out", str(out)])
    assert rendered.exit_code == 2 and not out.exists()


def test_the_renderer_refuses_what_the_host_files_cannot_carry(design: Design) -> None:
    """The backstop behind `govnet validate`: an intent built some other way."""
    intent = build_intents(design, build_graph(design), ["town-a"])["town-a"]
    assert intent.management is not None
    for update, why in (
        ({"allowed_prefixes": []}, "no management prefixes"),
        ({"banner": "ring the bell \a"}, "the banner holds the control character '\\x07'"),
        ({"address": None}, "needs its management address"),
    ):
        broken = intent.model_copy(
            update={"management": intent.management.model_copy(update=update)}
        )
        with pytest.raises(ValueError, match=why.replace("(", r"\(").replace("\\x", r"\\x")):
            linux_host(broken)


# --- push ------------------------------------------------------------------------------------


def test_push_refuses_a_run_with_a_production_frr_host_and_sends_nothing(
    design: Design, monkeypatch: pytest.MonkeyPatch, mocker: Any
) -> None:
    monkeypatch.setenv("GOVNET_USERNAME", "noc-writer")
    monkeypatch.setenv("GOVNET_PASSWORD", "from-the-environment-only")
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    opened: list[str] = []
    connect: Callable[..., Any] = lambda host, *_: opened.append(host.name)  # noqa: E731
    mocker.patch.object(Host, "get_connection", autospec=True, side_effect=connect)
    nornir = build_nornir(design.root, ["mc-01", "town-a", "ce-01"])
    report = run_push(design, build_graph(design), nornir, commit=True)
    assert opened == []
    assert report.refused.startswith(
        "ce-01, town-a: a production FRR host (Linux router) is not pushed by govnet: copy the "
        "tree `govnet render` writes in frr/<host>/ onto the host's / keeping the modes"
    )
    assert {h.host: h.status for h in report.hosts} == dict.fromkeys(
        ["ce-01", "mc-01", "town-a"], "skipped"
    )
    assert not report.ok
    result = CliRunner().invoke(
        app, ["push", "--design", str(design.root), "--hosts", "town-a", "--commit"]
    )
    assert result.exit_code == 1 and "push refused: town-a: a production FRR host" in result.output
    assert opened == []
