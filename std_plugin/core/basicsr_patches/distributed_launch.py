"""Distributed launch for BasicSR 1.4.2 on GPUs and CPUs.

BasicSR's `init_dist('pytorch')` hard-codes NCCL and divides by the GPU count
(fails on CPU), and its parser knows `--local_rank` but not the `--local-rank`
that `python -m torch.distributed.launch` passes. torchrun passes neither and
sets LOCAL_RANK, which is what we read.
"""
import os
import re

import torch
import torch.distributed as dist

from std_plugin.core.errors import OptionError


def init_dist(launcher, backend=None, **kwargs):
    """NCCL with one GPU per local rank when CUDA is there, else gloo on CPU."""
    if launcher != 'pytorch':
        from basicsr.utils.dist_util import init_dist as basicsr_init_dist
        return basicsr_init_dist(launcher, backend or 'nccl', **kwargs)
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT') if k not in os.environ]
    if missing:
        raise OptionError(f'--launcher pytorch: {", ".join(missing)} not set, so this process was not started by '
                          'torchrun; expected torchrun --nproc_per_node=N train.py -opt ... --launcher pytorch')
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get('LOCAL_RANK', 0)) % torch.cuda.device_count())
    dist.init_process_group(backend=backend or ('nccl' if torch.cuda.is_available() else 'gloo'), **kwargs)


def normalize_argv(argv):
    """`--local-rank=N` / `--local-rank N` (torch.distributed.launch) -> `--local_rank ...`."""
    return [re.sub(r'^--local-rank(?==|$)', '--local_rank', arg) for arg in argv]


def install():
    import sys

    import basicsr.utils.options
    basicsr.utils.options.init_dist = init_dist
    sys.argv = normalize_argv(sys.argv)
