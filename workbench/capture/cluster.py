"""Dask for work that outgrows one process: a ``LocalCluster`` of worker processes on this
machine, or an existing cluster at a scheduler address. Ingest (a task per capture file) and
the dataset analysis (a task per window and pass) both run through here.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Cluster:
    """A connected Dask client; ``local_workers``: how many processes of this machine share its
    memory (None on a remote cluster, whose workers have their own)."""

    client: object
    local_workers: int | None

    def share(self, amount: int, floor: int = 1, *, with_client: bool = False) -> int:
        """``amount`` (records, packets) one process may hold, divided among the local workers
        (``with_client``: and this process, when it holds its own share meanwhile)."""
        if not self.local_workers:
            return amount
        return max(amount // (self.local_workers + int(with_client)), floor)


@contextmanager
def dask_cluster(workers: int | None = None, scheduler: str | None = None) -> Iterator[Cluster]:
    """Connect to ``scheduler`` (``tcp://host:8786``), or start a ``LocalCluster`` of ``workers``
    processes (default 2), one Numba thread each: the processes, not threads, share the cores.

        with dask_cluster(workers=2) as cluster:
            cluster.client.submit(...)
    """
    from distributed import Client, LocalCluster

    local = scratch = None
    if scheduler:
        client = Client(scheduler)
    else:
        # the workers' scratch folder, removed with the cluster (each run left one behind)
        scratch = tempfile.mkdtemp(prefix="wb-dask-")
        local = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True, dashboard_address=None,
                             local_directory=scratch, env={"NUMBA_NUM_THREADS": "1", "POLARS_MAX_THREADS": "1"})  # fmt: skip
        client = Client(local)
    try:
        yield Cluster(client, None if scheduler else workers or 2)
    finally:
        client.close()
        if local is not None:
            local.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
