"""std-compare --jobs N: the runs of a comparison trained N at a time, each
in its own subprocess limited to one thread (OMP_NUM_THREADS=1, which torch
reads for its thread count at start). Runs are independent processes seeded
by their options alone, so a run trained in a lane is the run trained alone
with one thread, bit for bit; on a machine with N cores, N one-thread runs
use the cores without the synchronisation a multi-threaded small-batch run
pays for."""
import os
from concurrent.futures import ThreadPoolExecutor, as_completed

ONE_THREAD = {'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}


def lane_env(jobs):
    """The environment of a lane's run: one thread when runs share the machine;
    None (this process's environment) when they train one at a time."""
    return dict(os.environ, **ONE_THREAD) if jobs > 1 else None


def in_lanes(work, items, jobs, done=lambda item: None):
    """work(item) for every item, at most `jobs` at a time (threads, each
    waiting on its run's subprocess); done(item) after each. The first
    failure cancels the items not started, waits for the running ones (they
    finish and are reused next time) and is raised."""
    if jobs == 1:
        for item in items:
            work(item)
            done(item)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(work, item): item for item in items}
        try:
            for future in as_completed(futures):
                future.result()
                done(futures[future])
        except BaseException:
            for future in futures:
                future.cancel()
            raise
