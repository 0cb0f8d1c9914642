"""The planners' files (``topology/``) as pydantic models: one model per kind of fact."""

from __future__ import annotations

from enum import StrEnum
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from govnet.inventory.roles import Role, SiteKind
from govnet.models import Name, StrictModel

IPNetwork = IPv4Network | IPv6Network

MAX_ISIS_WIDE_METRIC = 16_777_214


class Transport(StrEnum):
    MPLS = "mpls"
    SRV6 = "srv6"
    DUAL = "dual"


class Zone(StrEnum):
    PUBLIC = "public"  # 公用网络区
    PRIVATE = "private"  # 专用网络区
    INTERNET = "internet"  # 互联网接入区


class AttachmentClass(StrEnum):
    """DB34/T 3607-2020 department attachment classes."""

    A = "A"  # public only
    B = "B"  # public + unified Internet egress
    C = "C"  # public + own egress
    D = "D"  # public + private + unified egress
    E = "E"  # public + private + own egress
    F = "F"  # government-park LAN users


PRIVATE_CLASSES = frozenset({AttachmentClass.D, AttachmentClass.E})


# --- network.yaml -----------------------------------------------------------------------------


class Pool(StrictModel):
    prefix: IPNetwork = Field(description="the block addresses are allocated from")
    length: int = Field(ge=1, le=128, description="prefix length of each allocation")

    @model_validator(mode="after")
    def _length_fits(self) -> Pool:
        if not self.prefix.prefixlen <= self.length <= self.prefix.max_prefixlen:
            raise ValueError(
                f"length {self.length} does not fit in {self.prefix} "
                f"(expected {self.prefix.prefixlen}..{self.prefix.max_prefixlen})"
            )
        return self

    @property
    def size(self) -> int:
        return 1 << (self.length - self.prefix.prefixlen)


class Pools(StrictModel):
    loopback_ipv4: Pool
    link_ipv4: Pool
    loopback_ipv6: Pool
    link_ipv6: Pool
    srv6_locator: Pool
    user_ipv4: Pool | None = Field(
        default=None,
        description="IPv4 gateway subnets of user-facing (LAN) interfaces, one per site and VPN",
    )


class Igp(StrictModel):
    area: str = Field(default="49.0001", pattern=r"^49(\.[0-9a-fA-F]{4}){1,6}$")
    reference_bandwidth_mbps: int = Field(default=1_000_000, gt=0)
    bfd_interval_ms: int = Field(
        default=100,
        ge=10,
        le=10_000,
        description="BFD transmit and receive interval on IS-IS links",
    )
    bfd_multiplier: int = Field(default=3, ge=2, le=50)
    spf_initial_delay_ms: int = Field(
        default=50, ge=0, le=60_000, description="first SPF after a change (RFC 8405 back-off)"
    )
    spf_short_delay_ms: int = Field(
        default=50,
        ge=0,
        le=60_000,
        description="later SPFs while a change is still being learnt (RFC 8405 short wait)",
    )
    spf_long_delay_ms: int = Field(
        default=2000,
        ge=1000,
        le=120_000,
        multiple_of=1000,
        description="SPFs of a network that keeps changing (RFC 8405 long wait); whole seconds, "
        "as Huawei's `timer spf` takes them",
    )

    @field_validator("spf_short_delay_ms", "spf_long_delay_ms")
    @classmethod
    def _back_off_in_order(cls, value: int, info: ValidationInfo) -> int:
        """initial <= short <= long: each wait at least as long as the one before it."""
        earlier = {
            "spf_short_delay_ms": "spf_initial_delay_ms",
            "spf_long_delay_ms": "spf_short_delay_ms",
        }[str(info.field_name)]
        bound = info.data.get(earlier)
        if bound is not None and value < bound:
            raise ValueError(f"must not be shorter than {earlier} ({bound})")
        return value


SRV6_PREFERRED_ALL: Literal["all"] = "all"
SRV6_PREFERRED_NONE: Literal["none"] = "none"


class DualTransport(StrictModel):
    """The intermediate states of the MPLS -> SRv6 evolution (``transport: dual`` only); the
    defaults are the finished evolution."""

    add_path: bool = Field(
        default=True,
        description="route reflectors send each VPN route's MPLS and SRv6 paths (RFC 7911), "
        "every PE receives both",
    )
    srv6_preferred: Literal["all", "none"] | list[Name] = Field(
        default=SRV6_PREFERRED_ALL,
        description="whose SRv6 routes the PEs prefer: all (every ingress PE prefers every SRv6 "
        "route), none (MPLS stays in use), or a list of egress PEs (the SRv6 routes they "
        "originate are preferred by every ingress PE)",
    )

    @field_validator("srv6_preferred")
    @classmethod
    def _needs_add_path(
        cls, value: Literal["all", "none"] | list[str], info: ValidationInfo
    ) -> Literal["all", "none"] | list[str]:
        if value != SRV6_PREFERRED_NONE and info.data.get("add_path") is False:
            raise ValueError(
                "needs add_path: true (without add-path a PE receives one path per VPN route, "
                "so it cannot prefer the SRv6 one)"
            )
        if isinstance(value, list) and len(set(value)) != len(value):
            raise ValueError("names a PE more than once")
        return value


class Network(StrictModel):
    name: Name
    name_zh: str | None = None
    asn: int = Field(ge=1, le=4_294_967_294)
    transport: Transport
    dual_transport: DualTransport | None = Field(
        default=None,
        description="the stage of the MPLS -> SRv6 evolution (transport: dual only; default: "
        "the finished evolution)",
    )
    igp: Igp = Field(default_factory=Igp)
    management: list[IPNetwork] = Field(min_length=1)
    pools: Pools

    @field_validator("dual_transport")
    @classmethod
    def _only_with_dual(
        cls, value: DualTransport | None, info: ValidationInfo
    ) -> DualTransport | None:
        transport = info.data.get("transport")
        if value is not None and transport is not None and transport is not Transport.DUAL:
            raise ValueError(
                f"only valid with transport: dual (this design has transport: {transport.value})"
            )
        return value

    @property
    def dual(self) -> DualTransport | None:
        """The evolution's knobs in a dual design (defaults where the file gives none), else
        None."""
        if self.transport is not Transport.DUAL:
            return None
        return self.dual_transport or DualTransport()


# --- sites.yaml -------------------------------------------------------------------------------


class District(StrictModel):
    name: Name
    name_zh: str | None = None


class Site(StrictModel):
    name: Name
    kind: SiteKind
    name_zh: str | None = None
    department: Name | None = Field(default=None, description="for bureau sites")
    location: tuple[float, float] | None = Field(default=None, description="longitude, latitude")


# --- rings.yaml, links.yaml, ducts.yaml -------------------------------------------------------


class Ring(StrictModel):
    name: Name
    level: Literal[1, 2] = 1
    name_zh: str | None = None
    members: list[Name] = Field(
        description="devices in fiber order, from one closing node to the other"
    )


class LinkEnd(StrictModel):
    device: Name
    interface: str = Field(min_length=1)


class Fiber(StrictModel):
    """What every cable has, inside the design or towards a peer."""

    capacity_mbps: int = Field(gt=0)
    length_km: float = Field(gt=0)
    metric: int | None = Field(default=None, ge=1, le=MAX_ISIS_WIDE_METRIC)
    ducts: list[Name] = Field(default_factory=list)


class Link(Fiber):
    id: Name | None = Field(default=None, description="required only for parallel links")
    a: LinkEnd
    b: LinkEnd

    @property
    def key(self) -> str:
        """Stable identity: the explicit id, else the two device names in sorted order."""
        if self.id is not None:
            return self.id
        first, second = sorted((self.a.device, self.b.device))
        return f"{first}--{second}"


class Duct(StrictModel):
    name: Name
    route: str | None = None


# --- uplinks.yaml -----------------------------------------------------------------------------


class Peer(StrictModel):
    """A router outside this design's management (provincial WAN core, an ISP)."""

    name: Name
    role: Literal[Role.PROVINCE_WAN_CORE, Role.ISP]
    asn: int = Field(ge=1, le=4_294_967_294)
    operator: str | None = None
    name_zh: str | None = None


class Uplink(Fiber):
    """A link to a peer, addressed by the peer's operator (so never from our pools)."""

    id: Name | None = None
    device: Name
    interface: str = Field(min_length=1)
    peer: Name
    ipv4: IPv4Interface | None = None
    peer_ipv4: IPv4Interface | None = None
    ipv6: IPv6Interface | None = None
    peer_ipv6: IPv6Interface | None = None

    @property
    def key(self) -> str:
        return self.id if self.id is not None else f"{self.device}--{self.peer}"


# --- services.yaml, demands.yaml --------------------------------------------------------------


class LegacyGateway(StrictModel):
    """The legacy network's central router, retired by the cutover (not a govnet device)."""

    name: Name
    site: Name = Field(description="the site it stands at (the department's data centre)")
    address: IPv4Address = Field(description="its address, for the pre- and post-checks")


class LegacySite(StrictModel):
    """One site of a department's legacy network and the prefixes its users have there. After
    the switch the extranet routes them in the department's VPN to the site's legacy router,
    which takes the last host address of the site's user subnet in that VPN."""

    site: Name
    prefixes: list[IPv4Network] = Field(min_length=1)
    legacy_links: list[Name] = Field(
        default_factory=list,
        description="the legacy sites (or the gateway's site) this site's leased lines reach",
    )
    switched: bool = Field(
        default=False,
        description="the site's users reach the VPN: the extranet routes its prefixes",
    )


class LegacyNetwork(StrictModel):
    """A department's private network today (专网), to move into its VPN (割接)."""

    name_zh: str | None = None
    gateway: LegacyGateway
    sites: list[LegacySite] = Field(min_length=1)
    services: list[IPv4Address] = Field(
        default_factory=list,
        description="service addresses (inside the legacy prefixes) every site must reach: "
        "the checks ping them",
    )


class Department(StrictModel):
    name: Name
    name_zh: str | None = None
    attachment_class: AttachmentClass
    legacy: LegacyNetwork | None = Field(
        default=None, description="the department's existing private network, to cut over"
    )


class PrefixLimitAction(StrEnum):
    """What a router does when a BGP session sends more prefixes than its limit (the words each
    platform uses: templates/<platform>/SOURCES.md, "PE-CE route policies and prefix limits")."""

    WARN = "warn"  # log and keep the session
    RESTART = "restart"  # tear the session down, bring it back after restart_minutes
    TEARDOWN = "teardown"  # tear the session down until an operator clears it


class PrefixLimit(StrictModel):
    """The most prefixes one PE-CE session may send, per address family."""

    maximum: int = Field(ge=1, le=4_294_967_295)
    threshold_percent: int = Field(
        default=75, ge=1, le=100, description="share of the maximum that raises a warning"
    )
    action: PrefixLimitAction = PrefixLimitAction.RESTART
    restart_minutes: int = Field(
        default=5,
        ge=1,
        le=1200,
        description="for action restart; 1..1200, the range every platform takes (VRP idle-timeout)",
    )

    @model_validator(mode="after")
    def _restart_minutes_only_to_restart(self) -> PrefixLimit:
        if (
            "restart_minutes" in self.model_fields_set
            and self.action is not PrefixLimitAction.RESTART
        ):
            raise ValueError(
                f"restart_minutes applies only to action restart (action is {self.action.value})"
            )
        return self


class PeCe(StrictModel):
    """Prefix limits of the PE-CE eBGP sessions; the route policies themselves follow from the
    address plan (a PE accepts from a CE only its sites' user prefixes in that VPN)."""

    from_ce: PrefixLimit = Field(
        default=PrefixLimit(maximum=100, threshold_percent=80),
        description="what a PE accepts from each CE session",
    )
    from_pe: PrefixLimit = Field(
        default=PrefixLimit(maximum=20_000, threshold_percent=80),
        description="what a CE accepts from each PE session (the whole VPN)",
    )


class VpnPeCe(StrictModel):
    """A VPN's own PE-CE prefix limits; a side it does not name keeps the design's."""

    from_ce: PrefixLimit | None = None
    from_pe: PrefixLimit | None = None


class Vpn(StrictModel):
    name: Name
    id: int = Field(ge=1, le=65535, description="drives the RD/RT plan")
    zone: Zone
    name_zh: str | None = None
    department: Name | None = None
    shared_services: bool = Field(default=False, description="imports the shared-services RT")
    sites: list[Name] | Literal["all"]
    extra_import_targets: list[Annotated[str, StringConstraints(pattern=r"^\d+:\d+$")]] = Field(
        default_factory=list,
        description="hand-added route targets (extranet); `govnet check zones` judges them",
    )
    pe_ce: VpnPeCe | None = Field(
        default=None, description="this VPN's PE-CE prefix limits (services.yaml `pe_ce` otherwise)"
    )


class Demand(StrictModel):
    source: Name
    target: Name
    mbps: float = Field(gt=0)


# --- management.yaml --------------------------------------------------------------------------


class SecretRef(StrictModel):
    """A secret kept outside the design, resolved when configs are pushed."""

    ref: str = Field(pattern=r"^(env|vault):[A-Za-z0-9_./-]+$")


class PasswordHash(StrictModel):
    """A one-way crypt hash (SHA-512 ``$6$`` or SHA-256 ``$5$``) of a local password."""

    hash: str = Field(pattern=r"^\$[56]\$[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}$")


# A bare string is a clear-text secret: accepted so that weak designs can be linted, never
# what a real design should hold (`govnet lint` fails on it).
Secret = SecretRef | str
Password = PasswordHash | SecretRef | str


class LocalUser(StrictModel):
    name: Name
    role: Literal["admin", "operator", "auditor"]
    password: Password


class RemoteAccess(StrictModel):
    telnet: bool = False
    http: bool = False
    allowed_prefixes: list[IPNetwork] | None = Field(
        default=None, description="VTY/SSH sources; default: the network's management prefixes"
    )


class Aaa(StrictModel):
    tacacs_servers: list[IPv4Address | IPv6Address] = Field(default_factory=list)
    tacacs_key: Secret | None = None
    local_users: list[LocalUser] = Field(default_factory=list)

    @model_validator(mode="after")
    def _local_admin_behind_tacacs(self) -> Aaa:
        # every platform falls back to its local users only when no TACACS+ server answers:
        # without a local admin, a TACACS+ outage locks every operator out (console included)
        if self.tacacs_servers and not any(u.role == "admin" for u in self.local_users):
            raise ValueError(
                "TACACS+ servers are listed but no local user has role admin: when the servers "
                "are unreachable nobody could log in, not even on the console"
            )
        return self


class LoginPolicy(StrictModel):
    # the tightest ranges every platform accepts (Huawei VRP: 3+ failures, 5+ minutes)
    max_failures: int = Field(default=5, ge=3, le=10)
    lockout_minutes: int = Field(default=15, ge=5, le=1440)
    idle_timeout_minutes: int = Field(default=10, ge=0, le=60)


class PasswordPolicy(StrictModel):
    """GB/T 22239-2019 8.1.4.1 a): complexity and periodic change of the local passwords.

    Ranges are the tightest every platform accepts: Junos `minimum-length` takes 6-20 and
    `maximum-lifetime` 30-365 days, VRP `password history record number` at most 12; 等保
    level 3 asks for at least 8 characters of at least 3 character classes.
    """

    min_length: int = Field(default=8, ge=8, le=20)
    character_classes: int = Field(
        default=3, ge=3, le=4, description="of upper case, lower case, digits, special"
    )
    expiry_days: int = Field(default=90, ge=30, le=365)
    history: int = Field(
        default=5, ge=1, le=12, description="old passwords a new one must differ from"
    )


class Syslog(StrictModel):
    servers: list[IPv4Address | IPv6Address] = Field(default_factory=list)


class NtpKey(StrictModel):
    id: int = Field(ge=1, le=65535)
    algorithm: Literal["sha256", "md5"]
    key: Secret


class Ntp(StrictModel):
    """The servers hold every key; each device uses the first key its platform supports."""

    servers: list[IPv4Address | IPv6Address] = Field(default_factory=list)
    keys: list[NtpKey] = Field(default_factory=list)


class SnmpUser(StrictModel):
    name: Name
    auth_key: Secret
    priv_key: Secret


class Snmp(StrictModel):
    users: list[SnmpUser] = Field(default_factory=list)
    trap_hosts: list[IPv4Address | IPv6Address] = Field(default_factory=list)
    community: str | None = Field(
        default=None, description="SNMPv1/v2c community: never in a real design"
    )


class Management(StrictModel):
    """What every device's management plane renders (the 等保2.0 level-3 baseline)."""

    banner: str = ""
    remote_access: RemoteAccess = Field(default_factory=RemoteAccess)
    aaa: Aaa = Field(default_factory=Aaa)
    login: LoginPolicy = Field(default_factory=LoginPolicy)
    passwords: PasswordPolicy = Field(default_factory=PasswordPolicy)
    syslog: Syslog = Field(default_factory=Syslog)
    ntp: Ntp = Field(default_factory=Ntp)
    snmp: Snmp = Field(default_factory=Snmp)
