"""Where scenario chunks run: in this process, or on a Dask cluster.

An engine maps one function over a list of independent chunks (a target's failure analysis, a
slice of capacity scenarios) and returns the results in order. The Dask engine connects to
``--scheduler ADDR`` or starts a local cluster; results are identical to the local engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Engine(Protocol):
    name: str

    def map(self, function: Callable[[T], R], chunks: Sequence[T]) -> list[R]: ...


class LocalEngine:
    name = "local"

    def map(self, function: Callable[[T], R], chunks: Sequence[T]) -> list[R]:
        return [function(chunk) for chunk in chunks]


class DaskEngine:
    """Runs chunks on a Dask cluster through a ``distributed.Client``."""

    name = "dask"

    def __init__(self, client: Any) -> None:
        self.client = client

    def map(self, function: Callable[[T], R], chunks: Sequence[T]) -> list[R]:
        futures = self.client.map(function, list(chunks), pure=False)
        results: list[R] = self.client.gather(futures)
        return results


@contextmanager
def open_engine(kind: str = "local", scheduler: str | None = None) -> Iterator[Engine]:
    if kind == "local":
        yield LocalEngine()
        return
    if kind != "dask":
        raise ValueError(f"unknown engine '{kind}' (local or dask)")
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            yield DaskEngine(client)
        return
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)  # type: ignore[no-untyped-call]
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield DaskEngine(client)
