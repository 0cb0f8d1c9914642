"""Each site's migration state, derived from the waves (one source of truth: a site is in the
state of the last completed wave that holds it, else the baseline)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from govnet.ipv6.models import STATE_ORDER, State, WavesFile


def site_states(
    waves: WavesFile, sites: Iterable[str], as_of: date | None = None
) -> dict[str, State]:
    states: dict[str, State] = dict.fromkeys(sites, waves.baseline)
    done = sorted(
        (w for w in waves.waves if w.done is not None and (as_of is None or w.done <= as_of)),
        key=lambda w: (w.done, w.name),
    )
    for wave in done:
        for site in wave.sites:
            if site in states and STATE_ORDER[wave.target_state] > STATE_ORDER[states[site]]:
                states[site] = wave.target_state
    return states


def carries_ipv4(state: State) -> bool:
    return state != "v6-only"


def carries_ipv6(state: State) -> bool:
    return state != "v4-only"
