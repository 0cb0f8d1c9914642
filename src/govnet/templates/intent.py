"""What one device's configuration says, independent of any vendor's syntax.

Everything a template prints is here, already decided: names, addresses, metrics, route targets.
Templates only choose words. Models are frozen pydantic models so that an intent can be printed
as JSON (`govnet render --intent`) and compared in tests.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from govnet.inventory.secrets import PLAIN, placeholder


class Intent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SecretValue(Intent):
    """How a secret appears in a rendered config: a placeholder the push step resolves, a
    one-way hash, or (only in deliberately weak designs) clear text."""

    kind: Literal["ref", "hash", "clear"]
    value: str

    @property
    def text(self) -> str:
        return self.in_form(PLAIN)

    def in_form(self, form: str) -> str:
        """What the template prints where a field wants ``form`` (see
        :mod:`govnet.inventory.secrets`): a reference becomes a placeholder asking for that
        form; a hash or clear text is printed as given, for `govnet lint` to judge."""
        return placeholder(self.value, form) if self.kind == "ref" else self.value


class LocalUserIntent(Intent):
    name: str
    role: Literal["admin", "operator", "auditor"]
    password: SecretValue


class PasswordPolicyIntent(Intent):
    """Complexity and periodic change of the local passwords (等保 8.1.4.1 a)."""

    min_length: int
    character_classes: int  # of upper case, lower case, digits, special: 3 or 4
    expiry_days: int
    history: int  # old passwords a new one must differ from


class ManagementIntent(Intent):
    banner: str
    telnet: bool
    http: bool
    acl_name: str
    acl_number: int  # Huawei basic ACL number for the VTY filter
    allowed_prefixes: list[str]  # "10.199.0.0/16"
    # the inventory's management address (hostname): where a Linux router's sshd listens
    address: str | None = None
    source_interface: str
    tacacs_servers: list[str]
    tacacs_key: SecretValue | None
    local_users: list[LocalUserIntent]
    max_failures: int
    lockout_minutes: int
    idle_timeout_minutes: int
    passwords: PasswordPolicyIntent
    syslog_servers: list[str]
    ntp_servers: list[str]
    ntp_key_id: int
    ntp_algorithm: Literal["sha256", "md5"] | None
    ntp_key: SecretValue | None
    snmp_users: list[tuple[str, SecretValue, SecretValue]]  # name, auth key, priv key
    snmp_trap_hosts: list[str]
    snmp_community: SecretValue | None


class StaticRoute(Intent):
    """A static route in the global table, its next hop on a directly connected link."""

    prefix: str  # "10.199.3.11/32"
    next_hop: str  # "10.201.0.11"
    interface: str  # the link's interface, so that the route follows the link's state
    description: str


class VrfStaticRoute(Intent):
    """A static route in a VPN instance: a department's legacy prefix at a cut-over site, via
    the site's legacy router on the VPN's user sub-interface (``govnet cutover``)."""

    vrf: str
    prefix: str  # "172.27.11.0/24"
    next_hop: str  # the legacy router: the last host address of the site's user subnet
    interface: str  # the user sub-interface, so that the route follows its state
    description: str


class StaticImport(Intent):
    """Which static routes IS-IS advertises: host routes inside ``prefixes`` only, through a
    named policy (VRP route-policy, XR route-policy, Junos policy-statement, FRR route-map)."""

    policy: str
    prefixes: list[str]  # the management pool: "10.199.0.0/16"
    length: int  # the only prefix length accepted: 32 (a CE's management address)


class IsisInterface(Intent):
    metric: int
    point_to_point: bool
    passive: bool
    bfd: bool


class InterfaceIntent(Intent):
    name: str
    description: str
    kind: Literal["loopback", "core", "ring", "attachment", "uplink", "subinterface"]
    ipv4: str | None  # "10.201.0.2/31"
    ipv6: str | None
    mtu: int | None
    vlan: int | None = None
    parent: str | None = None
    vrf: str | None = None
    isis: IsisInterface | None = None
    mpls_ldp: bool = False
    peer: str | None = None  # the device at the other end of a link (IS-IS adjacency expected)
    link: str | None = None  # the design link's key
    shutdown: bool = False
    user_facing: bool = (
        False  # a LAN gateway of the site's users (its IPv6 migration state applies)
    )


class IsisIntent(Intent):
    instance: str
    net: str  # "49.0769.0102.0000.0005.00"
    system_id: str
    area: str
    ipv6_topology: bool
    bfd: bool
    bfd_interval_ms: int
    bfd_multiplier: int
    spf_initial_delay_ms: int
    spf_short_delay_ms: int
    spf_long_delay_ms: int
    srv6_locator: str | None  # locator name advertised by IS-IS
    # LDP-IGP synchronisation on the LDP links: the IGP advertises a link at its maximum cost
    # until LDP is up on it; for how long (seconds) when LDP does not come up, None = as long as
    # it stays down (an IGP carrying LDP traffic only, transport mpls)
    ldp_sync: bool = False
    ldp_sync_hold_max_cost_s: int | None = None
    import_static: StaticImport | None = None  # PEs: the CEs' management host routes


class SrIntent(Intent):
    locator_name: str
    locator_prefix: str  # "5f00:0:769:5::/64"
    locator_length: int
    locator_address: str  # "5f00:0:769:5::"
    source_address: str  # encapsulation source: the IPv6 loopback
    static_function_bits: int


class PrefixLimitIntent(Intent):
    """The most prefixes a session may send (per family) and what happens beyond it."""

    maximum: int
    threshold_percent: int  # warn from this share of the maximum
    action: Literal["warn", "restart", "teardown"]
    restart_minutes: int | None  # action restart only


class PrefixMatch(Intent):
    """One entry of a PE-CE prefix filter: ``prefix`` itself, and its more-specifics up to
    ``up_to`` when that is longer (IPv6: the site's unit and its /64 subnets)."""

    prefix: str  # "10.64.5.0/24"
    up_to: int  # the longest length accepted; = the prefix length for an exact match

    @property
    def exact(self) -> bool:
        return self.up_to == int(self.prefix.rsplit("/", 1)[1])


class PeCeSession(Intent):
    """Route policy and prefix limit of one PE-CE eBGP session (one address family), on either
    end. A prefix list of None means every route: a PE sends the CE everything its VRF holds
    (the route targets already limit it to what the VPN reaches), a CE accepts what the PE
    sends. Otherwise the policy permits exactly these entries and rejects everything else."""

    side: Literal["pe", "ce"]
    import_policy: str  # the name of the inbound route policy / route-map / policy-statement
    export_policy: str
    import_prefixes: list[PrefixMatch] | None
    export_prefixes: list[PrefixMatch] | None
    prefix_limit: PrefixLimitIntent


class BgpNeighbor(Intent):
    address: str
    remote_as: int
    description: str
    update_source: str | None  # loopback interface for iBGP, None for eBGP on a link
    families: list[Literal["ipv4_unicast", "ipv6_unicast", "vpnv4", "vpnv6"]]
    route_reflector_client: bool = False
    srv6: bool = False  # carry VPN routes with the SRv6 prefix-SID (RFC 9252)
    vrf: str | None = None  # PE-CE or Internet sessions inside a VRF
    bfd: bool = False
    # dual transport (MPLS -> SRv6 evolution): RFC 7911 add-path on the VPN families, so that
    # both the MPLS and the SRv6 route of a prefix reach every PE ("send" and "receive" on the
    # reflectors' sessions, "receive" on the clients'), and the SRv6 session's routes preferred
    add_path_send: bool = False
    add_path_receive: bool = False
    preferred: bool = False
    # SRv6 preferred per egress PE (a wave of the evolution): this PE gives the VPN routes it
    # sends on this SRv6 session the higher local preference, so every ingress PE prefers them
    preferred_export: bool = False
    pe_ce: PeCeSession | None = None  # PE-CE sessions (both ends): route policy, prefix limit


class BgpIntent(Intent):
    asn: int
    router_id: str
    route_reflector: bool
    cluster_id: str | None
    neighbors: list[BgpNeighbor]
    # dual transport: paths per prefix a reflector selects and sends with add-path (None: off)
    add_path_paths: int | None = None
    # dual transport: local preference given to the routes of the preferred (SRv6) sessions,
    # received (``preferred``) or sent (``preferred_export``)
    srv6_local_preference: int | None = None


class VrfIntent(Intent):
    name: str
    zone: Literal["public", "private", "internet"]
    description: str
    id: int
    rd: str
    import_targets: list[str]
    export_targets: list[str]
    ipv4: bool
    ipv6: bool
    mpls: bool
    srv6: bool
    # Static per-VRF SRv6 service SIDs (End.DT4, End.DT6) inside the PE's locator: function
    # (the static function bits right after the locator) = the VPN id for End.DT4, with the top
    # function bit set for End.DT6; None where the VRF has no SRv6 on this device
    srv6_dt4_sid: str | None = None
    srv6_dt6_sid: str | None = None


class VpnRoute(Intent):
    """Lab only: a VRF prefix announced straight into the VPN address family (``network P rd
    RD label N``), since the lab kernel has no VRF devices to learn it from."""

    vrf: str
    family: Literal["vpnv4", "vpnv6"]
    prefix: str  # the network, "10.201.0.242/31"
    rd: str
    label: int
    route_targets: list[str]  # the VRF's export targets


class PeerRemovals(Intent):
    """What one iBGP session of this state had in another state of the transport evolution and
    has not in this one (VPNv4/VPNv6 families)."""

    address: str
    add_path: Literal["both", "receive", "send"] | None = None  # the capability to withdraw
    advertise_add_path: bool = False
    high_priority: bool = False
    export_policy: bool = False  # the SRv6 egress preference policy on this session


class TransportRemovals(Intent):
    """What this device runs in another state of the MPLS -> SRv6 evolution (``mpls``, each
    ``dual`` step, ``srv6``) and not in this one: a platform loaded by merge must remove it
    explicitly, whichever state it comes from (a state's design is pushed on its own)."""

    mpls_ldp: bool = False  # MPLS and LDP globally (LSR ID, MPLS, LDP)
    ldp_interfaces: list[str] = []  # interfaces whose MPLS, LDP and LDP-IGP sync go
    ldp_sync_timer: bool = False  # IS-IS: how long a link without LDP keeps its maximum cost
    srv6_locator: str | None = None  # SRv6 (its locator, also in IS-IS) goes
    vrf_labels: list[str] = []  # VPN instances whose one label per instance goes
    vrf_srv6: list[str] = []  # VPN instances whose BGP SRv6 locator and best-effort go
    ibgp_peers: list[str] = []  # iBGP sessions of the transport not in use: the whole session
    add_path_paths: bool = False  # the reflector's add-path route selection
    peers: list[PeerRemovals] = []  # the sessions kept, each with what it loses
    egress_policy: bool = False  # the SRv6 egress preference route policy

    def for_peer(self, address: str) -> PeerRemovals | None:
        return next((p for p in self.peers if p.address == address), None)


class DeviceIntent(Intent):
    hostname: str
    platform: str
    role: str
    site: str
    district: str
    model: str
    asn: int
    transport: Literal["mpls", "srv6", "dual"]
    router_id: str
    loopback: str  # interface name
    management: ManagementIntent | None
    interfaces: list[InterfaceIntent]
    isis: IsisIntent | None
    mpls_ldp: bool
    srv6: SrIntent | None
    bgp: BgpIntent | None
    vrfs: list[VrfIntent]
    vpn_routes: list[VpnRoute] = []
    # A bureau CE's in-band management address ("10.199.3.11/32"), global table, on the
    # platform's management loopback (its own interface, or a second address on the loopback)
    management_address: str | None = None
    management_interface: str | None = None
    static_routes: list[StaticRoute] = []
    # legacy prefixes of cut-over sites, per VPN instance; BGP imports them into the VRF
    vrf_static_routes: list[VrfStaticRoute] = []
    # What the hardware model needs for what this device renders (templates/features.yaml
    # `models`), filled in at render time: "srv6_hw_profile_base"
    platform_needs: list[str] = []
    # What a merge must remove to reach this transport state (platforms loaded by merge only)
    removals: TransportRemovals | None = None
