"""inventory/ is a real Nornir SimpleInventory, and govnet reads it the way Nornir does."""

from __future__ import annotations

from nornir import InitNornir
from nornir.core.filter import F

from govnet.design import Design
from tests.conftest import REFERENCE


def test_nornir_loads_the_reference_inventory(reference: Design) -> None:
    nr = InitNornir(
        runner={"plugin": "serial"},
        logging={"enabled": False},
        inventory={
            "plugin": "SimpleInventory",
            "options": {
                "host_file": str(REFERENCE / "inventory/hosts.yaml"),
                "group_file": str(REFERENCE / "inventory/groups.yaml"),
                "defaults_file": str(REFERENCE / "inventory/defaults.yaml"),
            },
        },
    )
    hosts = nr.inventory.hosts
    assert set(hosts) == set(reference.hosts)
    for name, host in hosts.items():
        ours = reference.hosts[name]
        assert host.platform == ours.platform.value
        assert host.hostname == str(ours.hostname)
        assert host["role"] == ours.role.value
        assert host["site"] == ours.site
        assert host["district"] == ours.district
        assert host.username is None and host.password is None
        assert host.port == 22  # from defaults.yaml
    assert hosts["dg-changan"].get_connection_parameters("netmiko").platform == "cisco_xr"
    assert hosts["dg-humen"].get_connection_parameters("netmiko").platform == "huawei"
    towns = nr.filter(F(role="town") & F(district="binhai"))
    assert sorted(towns.inventory.hosts) == ["dg-changan", "dg-houjie", "dg-humen", "dg-shatian"]


def test_every_production_platform_has_its_napalm_driver_installed() -> None:
    """huawei_vrp comes from the community package napalm-huawei-vrp (a dependency)."""
    from napalm import get_network_driver

    from govnet.inventory.platforms import PLATFORMS

    drivers = {p.napalm_driver for p in PLATFORMS.values() if p.napalm_driver}
    assert drivers == {"huawei_vrp", "iosxr_netconf", "junos"}
    for driver in sorted(drivers):
        device_class = get_network_driver(driver)
        for method in (
            "load_merge_candidate",
            "compare_config",
            "commit_config",
            "rollback",
            "cli",
        ):
            assert hasattr(device_class, method), (driver, method)
