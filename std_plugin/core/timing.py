"""Wall time of a call: median over timed runs after untimed warm-up runs.

(torch.utils.benchmark.Timer sets the thread count to 1 unless told otherwise
and adds its own warm-up calls to each measurement: a minute per figure for
an EDVR-L teacher on a CPU.)
"""
import statistics
import time
from dataclasses import asdict, dataclass

import torch


def sync(device):
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize(device)


@dataclass
class Timing:
    median_ms: float
    min_ms: float
    max_ms: float
    runs: int

    def as_dict(self):
        return asdict(self)


def time_calls(fn, runs, warmup, device):
    """Timing of fn() over `runs` calls after `warmup` calls, synchronised on GPU
    so that each figure covers the kernels the call launched."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        sync(device)
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(1e3 * (time.perf_counter() - start))
    return Timing(statistics.median(times), min(times), max(times), runs)
