"""Where the Dask engine runs: an existing cluster (``--scheduler``) or a LocalCluster.

A province office with a small cluster starts a scheduler and workers once::

    dask scheduler                                  # on the head node, port 8786
    dask worker tcp://head:8786 --nworkers 4 --nthreads 1 --memory-limit 6GB

and passes ``--scheduler tcp://head:8786``. Without it, a LocalCluster sized to
the machine (one single-threaded worker process per core: the rules are
pandas/numpy code that holds the GIL) is started for the command and closed
after it. No dashboard is started (the workbook runs offline).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from audit.errors import InputError

__all__ = ["dask_client", "local_workers"]


def local_workers() -> int:
    """Worker processes of the default LocalCluster: one per usable core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(scheduler=None, workers: int | None = None) -> Iterator:
    """Yield a ``distributed.Client``: to ``scheduler``, or to a new LocalCluster.

    Parameters
    ----------
    scheduler : str or distributed.Client, optional
        Address of a running scheduler (``tcp://host:8786``) or a client to reuse
        (left open). None starts a LocalCluster for the duration.
    workers : int, optional
        Worker processes of the LocalCluster (default: one per core).

    Raises
    ------
    InputError
        When the scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler
        return
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise InputError(
                f"无法连接 Dask 调度器 {scheduler}：{exc}",
                f"cannot reach the Dask scheduler {scheduler}: {exc}",
                parameter="--scheduler",
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    with (
        LocalCluster(
            n_workers=workers or local_workers(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
