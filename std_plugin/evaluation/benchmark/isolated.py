"""Run each measured part in a fresh process, so that its peak memory is its own.

On CPU the peak resident set size (ru_maxrss) is process-wide and never goes
down, and memory a part frees stays with the allocator: measured in one
process, a later part would look smaller or larger than it is. Each part
therefore runs in its own child, and reports the growth of the peak RSS over
the child's RSS once the runtime is loaded (weights, optimizer state,
activations, workspace; not the Python/torch runtime). On GPU the figure is
torch.cuda.max_memory_allocated() after a reset at the child's start.

Children are forked from a forkserver that has imported torch, BasicSR and
std_plugin once (seconds saved per part) but never ran a kernel or touched
CUDA, so forking it is safe for OpenMP and CUDA alike.
"""
import multiprocessing
import os
import resource
import sys
from concurrent.futures import ProcessPoolExecutor

import torch

PRELOAD = ['std_plugin.evaluation.benchmark.parts']


def _peak_rss_bytes():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == 'darwin' else peak * 1024  # Linux reports KiB, macOS bytes


def _current_rss_bytes():
    """The RSS now (Linux); elsewhere the peak so far. The start of a part is
    measured from what the process holds now: the runtime's load may have
    peaked higher and freed some, and a peak-to-peak difference would read
    that freed memory off the part's figure."""
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except (OSError, ValueError, IndexError):
        return _peak_rss_bytes()


def _load_runtime(device):
    """One tiny convolution forward and backward: the kernel libraries, thread
    pools and CUDA context it loads belong to the runtime, not to the part."""
    conv = torch.nn.Conv2d(3, 3, 3).to(device)
    conv(torch.rand(1, 3, 8, 8, device=device)).sum().backward()


def _measure(fn, device, threads, args):
    device = torch.device(device)
    if threads:
        torch.set_num_threads(threads)
    if device.type == 'cuda':
        torch.cuda.set_device(device)  # BasicSR's models use 'cuda', the current device
    _load_runtime(device)
    start = _current_rss_bytes()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    result = fn(*args)
    peak = torch.cuda.max_memory_allocated(device) if device.type == 'cuda' else _peak_rss_bytes() - start
    return dict(result, peak_mb=peak / 2 ** 20)


def run_isolated(fn, device, *args, threads=None):
    """fn(*args) (a dict) in a fresh process using `threads` CPU threads (None:
    torch's default), with 'peak_mb' added."""
    context = multiprocessing.get_context('forkserver')
    context.set_forkserver_preload(PRELOAD)
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_measure, fn, device, threads, args).result()
