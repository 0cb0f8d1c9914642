"""The examples that end every command's --help (as the epilog: after the options)."""

from __future__ import annotations

EXAMPLES: dict[str, tuple[str, ...]] = {
    "validate": ("govnet validate", "govnet validate --design ../mycity --json"),
    "lock": ("govnet lock", "govnet lock --renumber link_ipv6"),
    "show": ("govnet show", "govnet show --json | jq .counts"),
    "render": (
        "govnet render --lab",
        "govnet render --role town --district songshanhu --out /tmp/configs",
    ),
    "lint": ("govnet lint", "govnet lint --ring R2 --json"),
    "check": ("govnet check", "govnet check --json"),
    "check zones": ("govnet check zones",),
    "failures": ("govnet failures --top 10", "govnet failures --scope double --json"),
    "report": ("govnet report --out build/report",),
    "paths": ("govnet paths humen", "govnet paths bureau-gaj --json"),
    "capacity": ("govnet capacity", "govnet capacity --threshold 0.7 --json"),
    "ipv6 plan": ("govnet ipv6 plan", "govnet ipv6 plan --json"),
    "ipv6 coverage": ("govnet ipv6 coverage", "govnet ipv6 coverage --live --hosts dg-agg-central"),
    "ipv6 progress": ("govnet ipv6 progress", "govnet ipv6 progress --as-of 2026-06-30"),
    "ipv6 report": ("govnet ipv6 report --out build/ipv6",),
    "ipv6 snapshot": ("govnet ipv6 snapshot", "govnet ipv6 snapshot --as-of 2026-12-01"),
    "push": (
        "govnet push --role town --district songshanhu",
        "govnet push --ring R2 --commit --canary 1 --batch-size 5",
    ),
    "verify": ("govnet verify", "govnet verify --filter platform=iosxr --json"),
    "call": (
        "govnet call dg-humen get_facts",
        """govnet call dg-mc-01 cli --arg 'commands=["display bgp vpnv4 all peer"]'""",
    ),
    "diff": (
        "govnet diff designs/before designs/after --html build/diff.html",
        "govnet diff --git HEAD~1 . --load-threshold 5 --json",
    ),
    "backup": ("govnet backup --out backups/$(date +%F)", "govnet backup --role metro_core"),
    "graph": ("govnet graph --out build/topology.png",),
    "cutover": (
        "govnet cutover ecology-environment > cutover.md",
        "govnet cutover ecology-environment --html build/cutover.html --json | jq .result.order",
    ),
    "migrate transport": (
        "govnet migrate transport --to srv6 --out build/migration",
        'govnet migrate transport --to srv6 --waves "dg-agg-central,dg-agg-east;dg-agg-binhai" --json',
    ),
    "lab up": ("govnet lab up --scope R1,R3", "govnet lab up --scope R3,dg-ce-gaj --json"),
    "lab push": (
        "govnet lab push --ring R3",
        "govnet lab push --commit --role town --confirm-timeout 120",
    ),
    "lab verify": ("govnet lab verify", "govnet lab verify --role bureau_ce --json"),
    "lab cut": ("govnet lab cut dg-humen--dg-houjie --mode silent",),
    "lab restore": ("govnet lab restore dg-humen--dg-houjie",),
    "lab failover": ("govnet lab failover dg-humen--dg-houjie dg-mc-01--dg-agg-central",),
    "lab down": ("govnet lab down",),
    "lab status": ("govnet lab status", "govnet lab status --json"),
    "lab export-clab": ("govnet lab export-clab --out labs/dongguan.clab.yml --frr-everywhere",),
    "lab rehearse-migration": (
        'govnet lab rehearse-migration --waves "dg-agg-central;dg-agg-east"',
        "govnet lab rehearse-migration --json > rehearsal.json",
    ),
    "lab connect": ("govnet lab connect dg-mc-01",),
    "lab exec": (
        "govnet lab exec dg-humen -- ip -brief address",
        "govnet lab exec dg-mc-01 -- vtysh -N gn-… -c 'show isis neighbor'",
    ),
    "lab inventory": ("govnet lab inventory --out build/lab/inventory",),
    "generate province": ("govnet generate province --out /tmp/province --cities 21",),
}


def examples(command: str) -> str:
    """Click keeps a paragraph that starts with \\b as written (no re-wrapping)."""
    lines = "\n".join(f"  {line}" for line in EXAMPLES[command])
    return f"\b\nExamples:\n{lines}"
