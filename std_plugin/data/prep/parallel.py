"""An ordered, bounded process-pool map.

`ProcessPoolExecutor.map` and `Pool.imap` submit every input up front and keep
results until they are consumed; for a dataset of hundreds of thousands of
frames that is unbounded memory. Here at most `window` frames are in flight.
"""
import os
import signal
from collections import deque
from concurrent.futures import ProcessPoolExecutor


def default_workers():
    return os.cpu_count() or 1


def _init_worker():
    # The main process handles Ctrl-C (it discards partial outputs); workers
    # that also caught it would print a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import torch
    torch.set_num_threads(1)  # one frame per process; more threads would oversubscribe the cores


def ordered_map(fn, items, workers, window=None):
    """Yield fn(item) in input order. workers <= 1 runs in this process."""
    if workers <= 1:
        yield from map(fn, items)
        return
    window = window or 4 * workers
    pool = ProcessPoolExecutor(workers, initializer=_init_worker)
    try:
        pending = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
