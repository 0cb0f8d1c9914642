"""Would a rendered config still let the push in? Its SSH/NETCONF source settings and management
ACLs, evaluated against the device's management address from the inventory.

One function per platform reads the few statements that decide it, in the form govnet renders
them (and the devices print them), and returns one line of evidence per problem; an empty list
means an SSH (and, where the push uses it, NETCONF) connection from the management address is
accepted. ACLs are evaluated as the devices do: first matching entry in sequence order, an
implicit deny at the end. Entries are judged on their source address only (a port-specific
deny counts as a match), so the check errs towards a false alarm, never towards a cut-off.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from govnet.templates.linux_host import NFTABLES_CONF, SSHD_DROP_IN, split_bundle

ManagementAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SSH_PORT = 22
NETCONF_PORT = 830
PORT_NAMES = {"ssh": SSH_PORT, "netconf": NETCONF_PORT}


@dataclass
class Block:
    """A statement and the statements indented (or braced) under it."""

    line: str
    number: int = 0  # line number in the config, 1-based
    children: list[Block] = field(default_factory=list)

    def starting(self, prefix: str) -> list[Block]:
        return [c for c in self.children if c.line.startswith(prefix)]

    def child(self, line: str) -> Block | None:
        return next((c for c in self.children if c.line == line), None)


def indented_blocks(text: str, closers: frozenset[str]) -> Block:
    """VRP and IOS-XR text: children indented deeper than their parent; ``closers`` (``#``,
    ``!``) only end blocks."""
    root = Block("")
    stack: list[tuple[int, Block]] = [(-1, root)]
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped in closers or stripped.startswith("!"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        while stack[-1][0] >= indent:
            stack.pop()
        block = Block(stripped, number)
        stack[-1][1].children.append(block)
        stack.append((indent, block))
    return root


def braced_blocks(text: str) -> Block:
    """Junos curly-brace text as govnet renders it: one statement per line, ``name {`` opens,
    ``}`` closes, ``statement;`` is a leaf."""
    root = Block("")
    stack = [root]
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.endswith("{"):
            block = Block(stripped[:-1].strip(), number)
            stack[-1].children.append(block)
            stack.append(block)
        elif stripped == "}":
            if len(stack) == 1:
                raise ValueError(f"line {number}: '}}' closes nothing")
            stack.pop()
        elif stripped:
            stack[-1].children.append(Block(stripped.rstrip(";"), number))
    if len(stack) != 1:
        raise ValueError(f"{len(stack) - 1} block(s) never closed")
    return root


def _family(address: ManagementAddress) -> str:
    return "ipv6" if address.version == 6 else "ipv4"


# --- Huawei VRP ---------------------------------------------------------------------------


def _vrp_source(spec: list[str], version: int) -> Network | None:
    """The source of a basic ACL rule (``any``, ``A W`` or ``A 0`` for IPv4, ``P/len`` or
    ``A len`` for IPv6) as a network; None for what is not a prefix (a non-contiguous
    wildcard, a name)."""
    try:
        if not spec or spec[0] == "any":
            return ipaddress.ip_network("::/0" if version == 6 else "0.0.0.0/0")
        if "/" in spec[0]:
            return ipaddress.ip_network(spec[0], strict=False)
        if version == 6 and len(spec) > 1 and spec[1].isdigit():
            return ipaddress.ip_network(f"{spec[0]}/{spec[1]}", strict=False)
        wildcard = spec[1] if len(spec) > 1 else "0"
        if wildcard == "0":  # VRP's `source A 0`: the host A
            return ipaddress.ip_network(spec[0])
        if "." not in wildcard:
            return None
        return ipaddress.ip_network(f"{spec[0]}/{wildcard}", strict=False)
    except ValueError:
        return None


def _vrp_acl_verdict(root: Block, number: str, address: ManagementAddress) -> str | None:
    """Why ACL ``number`` rejects ``address`` (None if it permits it)."""
    header = f"acl ipv6 number {number}" if address.version == 6 else f"acl number {number}"
    acl = root.child(header)
    if acl is None:
        return f"{header} is not defined"
    rules: list[tuple[int, str, list[str], Block]] = []
    for rule in acl.starting("rule "):
        words = rule.line.split()
        if len(words) < 3 or not words[1].isdigit() or words[2] not in ("permit", "deny"):
            continue
        source = words[words.index("source") + 1 :] if "source" in words else []
        rules.append((int(words[1]), words[2], source[:2], rule))
    for _, action, source, rule in sorted(rules, key=lambda r: r[0]):
        network = _vrp_source(source, address.version)
        if network is None:
            return f"line {rule.number}: {rule.line}: a source govnet cannot judge"
        if address in network:
            return None if action == "permit" else f"line {rule.number}: {rule.line}"
    return f"{header}: no rule permits it (implicit deny)"


def _vrp_interface_has(root: Block, name: str, address: ManagementAddress) -> bool:
    interface = root.child(f"interface {name}")
    if interface is None:
        return False
    keyword = ["ipv6", "address"] if address.version == 6 else ["ip", "address"]
    for statement in interface.children:
        words = statement.line.split()
        if (
            words[:2] == keyword
            and len(words) > 2
            and ipaddress.ip_interface(words[2]).ip == address
        ):
            return True
    return False


def vrp_problems(text: str, address: ManagementAddress) -> list[str]:
    root = indented_blocks(text, frozenset({"#"}))
    problems = []
    v6 = "ipv6 " if address.version == 6 else ""
    sources = root.starting(f"ssh {v6}server-source ")
    accepted = any(s.line.endswith(" all-interface") for s in sources) or any(
        _vrp_interface_has(root, s.line.split(" -i ", 1)[1].strip(), address)
        for s in sources
        if " -i " in s.line
    )
    if address.version == 6:
        named = [s.line.split(" -a ", 1)[1].split()[0] for s in sources if " -a " in s.line]
        accepted = accepted or any(ipaddress.ip_address(a) == address for a in named)
    if not accepted:
        shown = "; ".join(f"line {s.number}: {s.line}" for s in sources)
        problems.append(
            f"SSH source settings do not accept {address}: "
            + (
                f"{shown} (an interface without that address, no all-interface)"
                if sources
                else f"no `ssh {v6}server-source` (VRP8 then accepts SSH on no interface)"
            )
        )
    references: list[tuple[str, str]] = []
    for server_acl in root.starting(f"ssh {v6}server acl "):
        references.append(
            (f"line {server_acl.number}: {server_acl.line}", server_acl.line.split()[-1])
        )
    for vty in root.starting("user-interface vty "):
        for line in vty.starting(f"acl {v6}"):
            words = line.line.split()
            if words[-1] == "inbound" and (address.version == 6) == (words[1] == "ipv6"):
                references.append((f"{vty.line} line {line.number}: {line.line}", words[-2]))
    for where, number in references:
        why = _vrp_acl_verdict(root, number, address)
        if why:
            problems.append(f"{where} rejects {address}: {why}")
    return problems


# --- Cisco IOS-XR ---------------------------------------------------------------------------


def _xr_source(words: list[str], version: int) -> Network | None:
    """The source of an ACE, the words after its protocol (``any``, ``host A``, ``A W``,
    ``P/len``); None if unreadable."""
    try:
        if words[0] == "any":
            return ipaddress.ip_network("::/0" if version == 6 else "0.0.0.0/0")
        if words[0] == "host":
            return ipaddress.ip_network(words[1])
        if "/" in words[0]:
            return ipaddress.ip_network(words[0], strict=False)
        return ipaddress.ip_network(f"{words[0]}/{words[1]}", strict=False)
    except (IndexError, ValueError):
        return None


def _xr_acl_verdict(root: Block, name: str, address: ManagementAddress) -> str | None:
    family = _family(address)
    acl = root.child(f"{family} access-list {name}")
    if acl is None:
        return f"{family} access-list {name} is not defined"
    entries: list[tuple[int, Block]] = []
    for entry in acl.children:
        words = entry.line.split()
        if words and words[0].isdigit():
            entries.append((int(words[0]), entry))
    for _, entry in sorted(entries, key=lambda e: e[0]):
        words = entry.line.split()
        action, protocol = words[1], words[2] if len(words) > 2 else ""
        if action not in ("permit", "deny") or protocol not in (family, "ip", "tcp"):
            continue
        network = _xr_source(words[3:], address.version)
        if network is None:
            return f"line {entry.number}: {entry.line}: a source govnet cannot judge"
        if network.version == address.version and address in network:
            return None if action == "permit" else f"line {entry.number}: {entry.line}"
    return f"{family} access-list {name}: no entry permits it (implicit deny)"


def iosxr_problems(text: str, address: ManagementAddress) -> list[str]:
    root = indented_blocks(text, frozenset({"!", "end"}))
    family = _family(address)
    problems = []
    for service, prefix in (
        ("SSH", "ssh server vrf default"),
        ("NETCONF", "ssh server netconf vrf default"),
    ):
        servers = [b for b in root.children if b.line == prefix or b.line.startswith(prefix + " ")]
        if not servers:
            problems.append(f"no `{prefix}`: {service} does not listen where {address} is managed")
            continue
        words = servers[0].line.split()
        if f"{family}" in words and words[words.index(family) + 1] == "access-list":
            name = words[words.index(family) + 2]
            why = _xr_acl_verdict(root, name, address)
            if why:
                problems.append(
                    f"line {servers[0].number}: {servers[0].line} rejects {address}: {why}"
                )
    for line_block in root.starting("line "):
        for access in line_block.starting("access-class ingress "):
            why = _xr_acl_verdict(root, access.line.split()[-1], address)
            if why:
                problems.append(
                    f"{line_block.line} line {access.number}: {access.line} rejects {address}: {why}"
                )
    return problems


# --- Juniper Junos --------------------------------------------------------------------------


def _path(root: Block, *lines: str) -> Block | None:
    node: Block | None = root
    for line in lines:
        node = node.child(line) if node else None
    return node


def _values(statement: str) -> list[str]:
    """``protocol [ tcp udp ]`` -> [tcp, udp]; ``protocol tcp`` -> [tcp]."""
    words = statement.replace("[", " ").replace("]", " ").split()
    return words[1:]


def _junos_prefix_lists(root: Block) -> dict[str, list[Network]]:
    lists: dict[str, list[Network]] = {}
    policy = root.child("policy-options")
    for block in policy.starting("prefix-list ") if policy else []:
        lists[block.line.split()[1]] = [
            ipaddress.ip_network(c.line, strict=False) for c in block.children
        ]
    return lists


def _junos_term_matches(
    term: Block, address: ManagementAddress, port: int, lists: dict[str, list[Network]]
) -> bool:
    conditions = term.child("from")
    if conditions is None:
        return True
    for condition in conditions.children:
        name = condition.line.split()[0]
        if name in ("protocol", "payload-protocol") and "tcp" not in _values(condition.line):
            return False
        if name == "destination-port":
            ports = {
                PORT_NAMES.get(v, int(v) if v.isdigit() else -1) for v in _values(condition.line)
            }
            if port not in ports:
                return False
        if name == "source-prefix-list":
            networks = [n for c in condition.children for n in lists.get(c.line.split()[0], [])]
            if not any(n.version == address.version and address in n for n in networks):
                return False
        if name == "source-address":
            networks = [
                ipaddress.ip_network(c.line.split()[0], strict=False) for c in condition.children
            ]
            if not any(n.version == address.version and address in n for n in networks):
                return False
    return True


def _junos_action(term: Block) -> str:
    then = next((c for c in term.children if c.line == "then" or c.line.startswith("then ")), None)
    if then is None:
        return "accept"
    words = [then.line.split()[-1]] + [c.line.split()[0] for c in then.children]
    return next((w for w in words if w in ("accept", "discard", "reject")), "accept")


def junos_problems(text: str, address: ManagementAddress) -> list[str]:
    try:
        root = braced_blocks(text)
    except ValueError as error:
        return [f"the configuration does not parse: {error}"]
    family = "inet6" if address.version == 6 else "inet"
    filter_block = _path(root, "interfaces", "lo0", "unit 0", f"family {family}", "filter")
    inputs = filter_block.starting("input ") if filter_block else []
    if not inputs:
        return []  # nothing filters what reaches the routing engine
    name = inputs[0].line.split()[1]
    firewall = _path(root, "firewall", f"family {family}", f"filter {name}")
    if firewall is None:
        return [f"lo0 input filter {name} (family {family}) is not defined"]
    lists = _junos_prefix_lists(root)
    problems = []
    for service, port in (("SSH", SSH_PORT), ("NETCONF", NETCONF_PORT)):
        for term in firewall.starting("term "):
            if _junos_term_matches(term, address, port, lists):
                if _junos_action(term) != "accept":
                    problems.append(
                        f"lo0 filter {name} {term.line} (line {term.number}) drops {service} from {address}"
                    )
                break
        else:
            problems.append(
                f"lo0 filter {name}: no term accepts {service} from {address} (implicit discard)"
            )
    return problems


# --- FRR on a Linux router: sshd and nftables ------------------------------------------------


def _listen_spec(spec: str) -> tuple[str, str]:
    """``A``, ``A:port``, ``[A6]:port`` or ``A6`` -> (address, port or "")."""
    if spec.startswith("["):
        host, _, rest = spec[1:].partition("]")
        return host, rest.lstrip(":")
    if spec.count(":") == 1:
        host, _, port = spec.partition(":")
        return host, port
    return spec, ""


def _sshd_problems(text: str, address: ManagementAddress) -> list[str]:
    """sshd listens on every address unless ListenAddress says otherwise (sshd_config(5))."""
    listens = []
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split()
        if len(words) == 2 and words[0].lower() == "listenaddress":
            listens.append((number, words[1]))
        if len(words) == 2 and words[0].lower() == "port" and words[1] != str(SSH_PORT):
            return [f"line {number}: {raw.strip()}: sshd does not listen on port {SSH_PORT}"]
    for _, spec in listens:
        host, port = _listen_spec(spec)
        try:
            listened = ipaddress.ip_address(host)
        except ValueError:
            continue
        anywhere = listened.is_unspecified and listened.version == address.version
        if (listened == address or anywhere) and port in ("", str(SSH_PORT)):
            return []
    if not listens:
        return []
    shown = "; ".join(f"line {n}: ListenAddress {s}" for n, s in listens)
    return [f"sshd does not listen on {address} port {SSH_PORT}: {shown}"]


def _nft_sets(lines: list[tuple[int, str]]) -> dict[str, list[Network]]:
    """Named sets of addresses (``set NAME { … elements = { A, P/len } }``)."""
    sets: dict[str, list[Network]] = {}
    current = ""
    for _, line in lines:
        if line.startswith("set ") and line.endswith("{"):
            current = line.split()[1]
            sets[current] = []
        elif current and line.startswith("elements = {"):
            body = line.split("{", 1)[1].rsplit("}", 1)[0]
            sets[current] = [ipaddress.ip_network(e.strip(), strict=False) for e in body.split(",")]
        elif line == "}":
            current = ""
    return sets


def _nft_condition(
    words: list[str], address: ManagementAddress, sets: dict[str, list[Network]]
) -> bool | None:
    """Whether one match of a rule holds for a new TCP connection from ``address`` to port 22:
    True, False, or None when it depends on what this check does not know (the interface)."""
    selector = " ".join(words[:2])
    value = " ".join(words[2:])
    if selector in ("ip saddr", "ip6 saddr"):
        if (selector == "ip saddr") != (address.version == 4):
            return False
        networks = (
            sets.get(value[1:], [])
            if value.startswith("@")
            else [ipaddress.ip_network(value, strict=False)]
        )
        return any(address in n for n in networks if n.version == address.version)
    if selector == "tcp dport":
        ports = {p.strip() for p in value.strip("{} ").split(",")}
        return str(SSH_PORT) in ports or "ssh" in ports
    if selector in ("udp dport", "meta l4proto"):
        return False
    if selector == "ct state":
        return "new" in value.replace(",", " ").split()
    if words[0] == "iif" and words[1:] == ['"lo"']:
        return False  # the management connection arrives on a network interface
    if words[0] in ("iif", "iifname"):
        return None
    raise ValueError(" ".join(words))


MATCH_WORDS = {"ip": 3, "ip6": 3, "tcp": 3, "udp": 3, "meta": 3, "ct": 3, "iif": 2, "iifname": 2}


def _nft_matches(
    statement: str, address: ManagementAddress, sets: dict[str, list[Network]]
) -> tuple[bool | None, str]:
    """(does the rule match, its verdict) for a new SSH connection from ``address``."""
    words = statement.replace("{ ", "{").replace(" }", "}").replace(", ", ",").split()
    verdict = words[-1]
    conditions = words[:-1]
    result: bool | None = True
    while conditions:
        size = MATCH_WORDS.get(conditions[0])
        if size is None:
            raise ValueError(statement)
        held = _nft_condition(conditions[:size], address, sets)
        if held is False:
            return False, verdict
        if held is None:
            result = None
        conditions = conditions[size:]
    return result, verdict


def nftables_problems(text: str, address: ManagementAddress) -> list[str]:
    """The input chains of an nftables ruleset in govnet's form, rule by rule: the first rule
    that surely matches a new SSH connection from ``address`` must accept it, and no rule that
    may match may drop it before; the chain policy decides the rest."""
    lines = [(n, raw.strip()) for n, raw in enumerate(text.splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line and not line.startswith("#")]
    try:
        sets = _nft_sets(lines)
    except ValueError as error:
        return [f"a set element govnet cannot judge: {error}"]
    problems = []
    in_input = decided = False
    policy = ""
    for number, line in lines:
        if line.startswith("type filter hook input"):
            in_input, decided = True, False
            policy = "drop" if "policy drop" in line else "accept"
            continue
        if not in_input:
            continue
        if line == "}":
            if not decided and policy == "drop":
                problems.append(
                    f"no rule of the input chain accepts SSH from {address} (policy drop)"
                )
            in_input = False
            continue
        if decided:
            continue
        try:
            matches, verdict = _nft_matches(line, address, sets)
        except ValueError:
            problems.append(f"line {number}: {line}: a rule govnet cannot judge")
            decided = True
            continue
        if matches is not False and verdict in ("drop", "reject"):
            problems.append(f"line {number}: {line} drops SSH from {address}")
            decided = True
        elif matches is True and verdict == "accept":
            decided = True
    return problems


def linux_router_problems(text: str, address: ManagementAddress) -> list[str]:
    """A production FRR host's bundle (govnet.templates.linux_host): its sshd drop-in and its
    nftables ruleset are its management path."""
    files = split_bundle(text)
    if not files:
        return []  # an FRR config alone (the lab): the host manages itself
    problems = []
    for path, check in ((SSHD_DROP_IN, _sshd_problems), (NFTABLES_CONF, nftables_problems)):
        if path not in files:
            problems.append(f"/{path} is missing")
        else:
            problems += [f"/{path}: {p}" for p in check(files[path], address)]
    return problems


CHECKS: dict[str, Callable[[str, ManagementAddress], list[str]]] = {
    "huawei_vrp": vrp_problems,
    "iosxr": iosxr_problems,
    "junos": junos_problems,
    "frr": linux_router_problems,
}


def management_path_problems(platform: str, text: str, address: ManagementAddress) -> Iterator[str]:
    """Evidence, one line per problem, that ``text`` would refuse SSH/NETCONF from ``address``.
    FRR: a production host's sshd and nftables files; an FRR config alone (the lab) leaves
    management to its host, nothing to check."""
    check = CHECKS.get(platform)
    if check is not None:
        yield from check(text, address)
