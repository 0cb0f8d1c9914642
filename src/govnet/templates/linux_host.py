"""A production FRR host: a Linux router (a white box) is its FRR config plus the host's own
management plane, all rendered from the same intent.

FRR routes; the host manages: sshd, nftables, chrony, rsyslog, snmpd, PAM (faillock, TACACS+),
local users, the login banner and idle shells, the daemons FRR starts, the kernel's forwarding
switches and the links (systemd-networkd: VLAN and VRF devices, MTU; FRR sets the addresses).
Each file is rendered by ``templates/frr/host/<file>.j2`` with the intent ``d`` and the facts
derived from it here (``h``: a :class:`LinuxHost`), and named by its install path, so that the
rendered directory ``frr/<host>/`` mirrors ``/`` (templates/frr/SOURCES.md says where each
statement is documented).

A bundle's text (what `govnet lint` reads) is its files one after another, each under a marker
line naming its path and mode; :func:`split_bundle` takes it apart again.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from jinja2 import Environment
from pydantic import BaseModel, ConfigDict

from govnet.inventory.platforms import Platform
from govnet.templates.intent import DeviceIntent, InterfaceIntent, ManagementIntent
from govnet.templates.text import tidy

FRR_CONF = "etc/frr/frr.conf"
SSHD_DROP_IN = "etc/ssh/sshd_config.d/govnet.conf"
NFTABLES_CONF = "etc/nftables.conf"
BUNDLE_MARKER = "#### govnet file "
# A VRF device's kernel routing table: this plus the VPN id (systemd.netdev(5) [VRF] Table=)
VRF_TABLE_BASE = 1000
# The banner is printed on the console by agetty from /etc/issue, where a backslash starts an
# escape (agetty(8), ISSUE ESCAPES); control characters other than line break and tab garble a
# terminal.
BANNER_FORBIDDEN = "\\"


@dataclass(frozen=True)
class HostFile:
    path: PurePosixPath  # install path, relative to /
    text: str
    mode: int  # the permissions it is installed with


# (install path, template, mode, rendered when): the FRR config comes first, rendered by
# frr/device.j2 as for the lab (only the intent differs).
Wanted = Callable[[ManagementIntent], bool]
HOST_TEMPLATES: tuple[tuple[str, str, int, Wanted], ...] = (
    ("etc/frr/daemons", "frr/host/daemons.j2", 0o640, lambda m: True),
    ("etc/sysctl.d/90-govnet-router.conf", "frr/host/sysctl.j2", 0o644, lambda m: True),
    (SSHD_DROP_IN, "frr/host/sshd.j2", 0o644, lambda m: True),
    ("etc/profile.d/govnet-timeout.sh", "frr/host/timeout.j2", 0o644, lambda m: m.idle_timeout_minutes > 0),
    ("etc/issue", "frr/host/issue.j2", 0o644, lambda m: bool(m.banner)),
    ("etc/issue.net", "frr/host/issue.j2", 0o644, lambda m: bool(m.banner)),
    (NFTABLES_CONF, "frr/host/nftables.j2", 0o755, lambda m: True),
    ("etc/chrony/chrony.conf", "frr/host/chrony.j2", 0o644, lambda m: bool(m.ntp_servers)),
    ("etc/chrony/chrony.keys", "frr/host/chrony_keys.j2", 0o640, lambda m: m.ntp_key is not None),
    ("etc/rsyslog.d/govnet.conf", "frr/host/rsyslog.j2", 0o644, lambda m: bool(m.syslog_servers)),
    ("etc/snmp/snmpd.conf", "frr/host/snmpd.j2", 0o600, lambda m: _snmp(m)),
    ("var/lib/snmp/snmpd.conf", "frr/host/snmpd_users.j2", 0o600, lambda m: bool(m.snmp_users)),
    ("etc/security/faillock.conf", "frr/host/faillock.j2", 0o644, lambda m: True),
    ("etc/pam.d/common-auth", "frr/host/common_auth.j2", 0o644, lambda m: True),
    ("etc/pam.d/common-account", "frr/host/common_account.j2", 0o644, lambda m: True),
    ("etc/sysusers.d/govnet.conf", "frr/host/sysusers.j2", 0o644, lambda m: bool(m.local_users)),
    ("etc/govnet/local-users.chpasswd", "frr/host/chpasswd.j2", 0o600, lambda m: bool(m.local_users)),
)  # fmt: skip


def _snmp(m: ManagementIntent) -> bool:
    return bool(m.snmp_users) or m.snmp_community is not None


class LinuxHost(BaseModel):
    """What the host files need beyond the intent, derived from it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    listen_address: str  # the inventory's management address: sshd and snmpd listen there
    management_ipv4: list[str]
    management_ipv6: list[str]
    bgp_peers_ipv4: list[str]
    bgp_peers_ipv6: list[str]
    bfd_interfaces: list[str]  # single-hop BFD arrives on these (IS-IS links, eBGP links)
    ldp_interfaces: list[str]
    srv6_interfaces: list[str]  # seg6_enabled: the backbone links
    daemons: list[str]  # the FRR daemons besides zebra and staticd (always on)
    snmp: bool


def banner_fault(banner: str) -> str | None:
    """Why /etc/issue cannot carry ``banner`` (None when it can)."""
    for character in banner:
        if character == BANNER_FORBIDDEN:
            return "a backslash, which agetty reads in /etc/issue as an escape (agetty(8))"
        if (ord(character) < 32 and character not in "\n\t") or ord(character) == 127:
            return f"the control character {character!r}, which garbles the login terminal"
    return None


def is_linux_router(intent: DeviceIntent) -> bool:
    """A production FRR device: the lab's intents have no management plane."""
    return intent.platform == Platform.FRR.value and intent.management is not None


def _interface_towards(intent: DeviceIntent, address: str) -> InterfaceIntent | None:
    peer = ipaddress.ip_address(address)
    for interface in intent.interfaces:
        for own in (interface.ipv4, interface.ipv6):
            if own is not None and peer in ipaddress.ip_interface(own).network:
                return interface
    return None


def linux_host(intent: DeviceIntent) -> LinuxHost:
    """The facts the host files print; ValueError for what no host file can carry."""
    m = intent.management
    if m is None or m.address is None:
        raise ValueError("a production FRR host needs its management address from the inventory")
    prefixes = [ipaddress.ip_network(p) for p in m.allowed_prefixes]
    if not prefixes:
        raise ValueError(
            "no management prefixes: its nftables input filter would admit SSH from nowhere"
        )
    fault = banner_fault(m.banner)
    if fault:
        raise ValueError(f"the banner holds {fault}")
    neighbors = intent.bgp.neighbors if intent.bgp else []
    isis_bfd = intent.isis is not None and intent.isis.bfd
    bfd = {i.name for i in intent.interfaces if isis_bfd and i.isis and i.isis.bfd}
    for neighbor in (n for n in neighbors if n.bfd):
        link = _interface_towards(intent, neighbor.address)
        # in a VRF netfilter sees the packet twice: on the link, then on the VRF device
        bfd |= {name for name in (link and link.name, link and link.vrf) if name}
    backbone = [i.name for i in intent.interfaces if i.isis and not i.isis.passive]
    daemons = {"bgpd": intent.bgp is not None, "isisd": intent.isis is not None}
    daemons |= {"ldpd": intent.mpls_ldp, "bfdd": bool(bfd)}
    return LinuxHost(
        listen_address=m.address,
        management_ipv4=[str(p) for p in prefixes if p.version == 4],
        management_ipv6=[str(p) for p in prefixes if p.version == 6],
        bgp_peers_ipv4=sorted({n.address for n in neighbors if ":" not in n.address}),
        bgp_peers_ipv6=sorted({n.address for n in neighbors if ":" in n.address}),
        bfd_interfaces=sorted(bfd),
        ldp_interfaces=[i.name for i in intent.interfaces if i.mpls_ldp],
        srv6_interfaces=backbone if intent.srv6 else [],
        daemons=[name for name, on in daemons.items() if on],
        snmp=_snmp(m),
    )


def link_files(intent: DeviceIntent) -> list[tuple[str, str, dict[str, object]]]:
    """systemd-networkd's files for the links FRR routes over: (install path, template, what
    the template prints besides the intent). A VRF device per VPN (its kernel table: the VPN
    id plus VRF_TABLE_BASE), a VLAN device per sub-interface, and a .network per link that
    raises it with its MTU, VLANs and VRF."""
    folder = "etc/systemd/network"
    files: list[tuple[str, str, dict[str, object]]] = [
        ("etc/systemd/networkd.conf.d/govnet.conf", "frr/host/networkd_conf.j2", {})
    ]
    for vrf in intent.vrfs:
        table = VRF_TABLE_BASE + vrf.id
        files.append(
            (
                f"{folder}/10-govnet-{vrf.name}.netdev",
                "frr/host/vrf_netdev.j2",
                {"vrf": vrf, "table": table},
            )
        )
        link: dict[str, object] = {
            "name": vrf.name,
            "description": f"VRF {vrf.name}",
            "mtu": None,
            "vlans": [],
            "vrf": None,
        }
        files.append((f"{folder}/30-govnet-{vrf.name}.network", "frr/host/network.j2", link))
    for interface in intent.interfaces:
        if interface.kind == "loopback":
            continue
        if interface.parent is not None and interface.vlan is not None:
            files.append(
                (
                    f"{folder}/20-govnet-{interface.name}.netdev",
                    "frr/host/vlan_netdev.j2",
                    {"interface": interface},
                )
            )
        link = {
            "name": interface.name,
            "description": interface.description,
            "mtu": interface.mtu,
            "vlans": [i.name for i in intent.interfaces if i.parent == interface.name],
            "vrf": interface.vrf,
        }
        files.append((f"{folder}/30-govnet-{interface.name}.network", "frr/host/network.j2", link))
    return files


def render_host_files(
    env: Environment, intent: DeviceIntent, frr_conf: str
) -> tuple[HostFile, ...]:
    """Every file of the Linux router, the FRR config (already rendered) first."""
    host = linux_host(intent)
    management = intent.management
    assert management is not None  # linux_host refused it otherwise
    wanted: list[tuple[str, str, int, dict[str, object]]] = [
        (p, t, m, {}) for p, t, m, w in HOST_TEMPLATES if w(management)
    ]
    wanted += [(p, t, 0o644, extra) for p, t, extra in link_files(intent)]
    files = [HostFile(PurePosixPath(FRR_CONF), frr_conf, 0o640)]
    for path, template, mode, extra in wanted:
        text = env.get_template(template).render(d=intent, h=host, path=path, **extra)
        files.append(HostFile(PurePosixPath(path), tidy(text), mode))
    return tuple(files)


def bundle_text(files: tuple[HostFile, ...]) -> str:
    """The files one after another, each under its marker line (what `govnet lint` reads)."""
    return "".join(f"{BUNDLE_MARKER}/{f.path} mode {f.mode:04o}\n{f.text}" for f in files)


def split_bundle(text: str) -> dict[str, str]:
    """Install path (without the leading /) -> text, from :func:`bundle_text`."""
    files: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        if line.startswith(BUNDLE_MARKER):
            current = files.setdefault(line[len(BUNDLE_MARKER) :].split()[0].lstrip("/"), [])
        elif current is not None:
            current.append(line)
    return {path: "".join(lines) for path, lines in files.items()}


def linux_router_refusal(names: list[str]) -> str:
    """Why `govnet push` sends nothing when the run holds production FRR hosts, and how their
    files are delivered instead."""
    return (
        f"{', '.join(names)}: a production FRR host (Linux router) is not pushed by govnet: "
        "copy the tree `govnet render` writes in frr/<host>/ onto the host's / keeping the "
        "modes (rsync -a), with each %SECRET(...)% placeholder replaced by its value, then run "
        "`chown -R frr:frr /etc/frr`, "
        "systemd-sysusers and `chpasswd -e < /etc/govnet/local-users.chpasswd`, `sysctl "
        "--system`, and enable and restart systemd-networkd, nftables, frr, ssh, chrony, "
        "rsyslog and snmpd; push the other hosts with --hosts"
    )
