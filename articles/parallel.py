"""Pure computation spread over forked processes (import checks, generated posts)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing import get_all_start_methods, get_context


@contextmanager
def mapper(workers: int, chunksize: int = 200) -> Iterator[Callable]:
    """An ordered, lazy map over `workers` forked processes, or in this process.

    Forked workers inherit this process's database connection: what they run
    must never touch the database (they exit without closing anything).
    Create the mapper before any thread, such as a progress bar's monitor.
    """
    if workers < 2 or "fork" not in get_all_start_methods():
        yield map
        return
    with get_context("fork").Pool(workers) as pool:
        yield lambda function, items: pool.imap(function, items, chunksize=chunksize)
