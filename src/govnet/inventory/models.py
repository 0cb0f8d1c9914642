"""The Nornir SimpleInventory files (``inventory/``) as pydantic models.

The files stay real Nornir inventory: these models only accept what Nornir accepts, plus the
``data`` keys govnet needs from every host. Credentials are never accepted from files.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
from typing import Any

from pydantic import BaseModel, Field

from govnet.inventory.platforms import Platform
from govnet.inventory.roles import Role
from govnet.models import Name, StrictModel

CREDENTIAL_KEYS = ("username", "password")


class ConnectionOptions(StrictModel):
    hostname: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    platform: str | None = None
    extras: dict[str, Any] | None = None


class HostData(StrictModel):
    role: Role
    site: Name
    district: Name
    model: str = Field(min_length=1)
    name_zh: str | None = None
    lan_interface: str | None = Field(
        default=None, description="the port facing the site's LAN: one sub-interface per VPN"
    )


class Host(StrictModel):
    name: Name
    hostname: IPv4Address | IPv6Address = Field(description="management address")
    platform: Platform
    groups: list[Name] = Field(default_factory=list)
    port: int | None = Field(default=None, ge=1, le=65535)
    connection_options: dict[str, ConnectionOptions] = Field(default_factory=dict)
    data: HostData

    @property
    def role(self) -> Role:
        return self.data.role

    @property
    def site(self) -> str:
        return self.data.site

    @property
    def district(self) -> str:
        return self.data.district


class Group(StrictModel):
    name: Name
    platform: Platform | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    groups: list[Name] = Field(default_factory=list)
    connection_options: dict[str, ConnectionOptions] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)


class Defaults(StrictModel):
    platform: Platform | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    connection_options: dict[str, ConnectionOptions] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)


class Inventory(BaseModel):
    hosts: dict[str, Host]
    groups: dict[str, Group]
    defaults: Defaults
