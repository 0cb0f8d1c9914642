"""`govnet call DEVICE METHOD`: one NAPALM getter on one device, with the design's drivers and
credentials (as ``napalm … call`` does), printed as JSON."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from govnet.cli_common import (
    EXIT_DESIGN_ERROR,
    DesignOption,
    emit_json,
    err,
    load_or_exit,
    select_hosts,
)


def _arguments(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs; a value that reads as JSON is taken as JSON (lists, numbers)."""
    arguments: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            err.print(f"--arg {pair!r}: use KEY=VALUE", style="red", markup=False)
            raise typer.Exit(EXIT_DESIGN_ERROR)
        try:
            arguments[key] = json.loads(value)
        except json.JSONDecodeError:
            arguments[key] = value
    return arguments


def call(
    device: Annotated[str, typer.Argument(metavar="DEVICE", help="A device of the design.")],
    method: Annotated[
        str, typer.Argument(metavar="METHOD", help="A NAPALM getter (get_facts …) or cli.")
    ],
    arguments: Annotated[
        list[str] | None,
        typer.Option("--arg", metavar="KEY=VALUE", help="An argument of the method (repeatable)."),
    ] = None,
    design: DesignOption = None,
) -> None:
    """Run one read-only NAPALM method on one device through govnet's driver for its
    platform, with credentials from GOVNET_USERNAME/PASSWORD; print its answer as JSON. A
    method the platform's driver implements as an empty stub is refused, naming it."""
    from govnet.inventory.drivers.connection import driver_class
    from govnet.inventory.drivers.stubs import STUB_GETTERS, callable_methods
    from govnet.inventory.platforms import DEVICE_CONNECTION
    from govnet.ipv6.live import MissingCredentials, build_nornir, failure_reason

    loaded = load_or_exit(design)
    [name] = select_hosts(loaded, None, [device])
    platform = loaded.hosts[name].platform.value
    stubs = STUB_GETTERS.get(platform, frozenset())
    offered = [m for m in callable_methods(driver_class(platform)) if m not in stubs]
    if method in stubs:
        err.print(
            f"{platform}: {method} is an empty stub in the NAPALM driver govnet builds on "
            f"(it answers nothing); methods that work: {', '.join(offered)}",
            style="red",
            markup=False,
        )
        raise typer.Exit(EXIT_DESIGN_ERROR)
    if method not in offered:
        err.print(
            f"{platform}: no read-only method {method!r} (methods: {', '.join(offered)})",
            style="red",
            markup=False,
        )
        raise typer.Exit(EXIT_DESIGN_ERROR)
    kwargs = _arguments(arguments or [])
    try:
        nornir = build_nornir(loaded.root, [name])
    except (MissingCredentials, ValueError) as error:
        err.print(str(error), style="red", markup=False)
        raise typer.Exit(EXIT_DESIGN_ERROR) from None
    host = nornir.inventory.hosts[name]
    try:
        connection = host.get_connection(DEVICE_CONNECTION, nornir.config)
        answer = getattr(connection, method)(**kwargs)
    except Exception as error:  # whatever the driver raises: one line, exit 1
        err.print(f"{name}: {failure_reason(error)}", style="red", markup=False)
        raise typer.Exit(1) from None
    finally:
        host.close_connections()
    emit_json(answer)
