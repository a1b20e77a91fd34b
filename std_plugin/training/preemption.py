"""Preemption-safe training: on SIGTERM or SIGUSR1 (what cluster schedulers
send some time before they kill a job) the run finishes the iteration in
progress, writes a checkpoint and training state for it, and exits 0 with a
line saying where; `--auto_resume` continues exactly from there.

BasicSR's train loop has no hook between iterations, but it asks its
prefetcher for the next batch after each one (after logging, saving and
validating): the prefetchers here check for a signal at that point. They also
put back, before the first batch after a resume, the RNG states saved with
the training state (resume.restore_random_states). The model is recorded
when basicsr.train builds it, and the last completed iteration when its
optimize_parameters returns.
"""
import os.path as osp
import signal

import torch
import torch.distributed as dist

from basicsr.data import worker_init_fn as basicsr_worker_init_fn
from basicsr.data.prefetch_dataloader import CPUPrefetcher, CUDAPrefetcher
from basicsr.models import build_model as basicsr_build_model
from basicsr.utils import get_root_logger
from std_plugin.training import resume

STOP_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)


class Preempted(Exception):
    """Training stopped on a signal after saving; its text says where."""


class Run:
    model = None
    last_iter = None  # last iteration completed by this process
    signal = None  # name of the stop signal received


RUN = Run()


def on_signal(signum, frame):
    RUN.signal = signal.Signals(signum).name


def install_handlers():
    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)


def absorb_once(signum, frame):
    """A DataLoader worker's handler. Schedulers signal the whole process group,
    and torch's own worker handler dies on a SIGTERM that is not from its
    parent: the main process would then fail on the lost worker in the middle
    of the iteration it is finishing. The first signal is absorbed (the main
    process decides when to stop); a second one (the DataLoader's terminate()
    of a stuck worker) ends the worker as before."""
    signal.signal(signum, signal.SIG_DFL)


def worker_init_fn(*args, **kwargs):
    basicsr_worker_init_fn(*args, **kwargs)
    for sig in STOP_SIGNALS:
        signal.signal(sig, absorb_once)


def build_model(opt):
    """basicsr's build_model, recording the model and each completed iteration."""
    model = basicsr_build_model(opt)
    optimize_parameters = model.optimize_parameters

    def optimize_and_record(current_iter):
        optimize_parameters(current_iter)
        RUN.last_iter = current_iter

    model.optimize_parameters = optimize_and_record
    RUN.model, RUN.last_iter = model, None
    return model


def stop_requested(device):
    """Whether any rank got a stop signal: all ranks must stop after the same iteration."""
    stop = RUN.signal is not None
    if dist.is_available() and dist.is_initialized():
        flag = torch.tensor([int(stop)], device=device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        stop = bool(flag.item())
    return stop


def save_and_stop(epoch):
    model, it = RUN.model, RUN.last_iter
    paths = model.opt['path']
    if it is None:
        message = 'no iteration was completed since the start, nothing new to save'
    else:
        state = osp.join(paths['training_states'], f'{it}.state')
        if not osp.isfile(state):  # else this iteration's periodic save already wrote it
            model.save(epoch, it)
        message = (f'checkpoint of iter {it} written: {osp.join(paths["models"], f"net_g_{it}.pth")} and {state}; '
                   'continue with --auto_resume')
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
    message = f'stopped by {RUN.signal or "a signal on another rank"}: {message}'
    get_root_logger().info(message)
    raise Preempted(message)


class StoppingPrefetcher:
    """Mixin for BasicSR's prefetchers: next() is where one iteration ends."""

    def next(self):
        resume.restore_random_states()
        if RUN.model is not None and stop_requested(RUN.model.device):
            save_and_stop(self.ori_loader.sampler.epoch)
        return super().next()


class StoppingCPUPrefetcher(StoppingPrefetcher, CPUPrefetcher):
    pass


class StoppingCUDAPrefetcher(StoppingPrefetcher, CUDAPrefetcher):
    pass


def install():
    import basicsr.data
    import basicsr.train
    basicsr.data.worker_init_fn = worker_init_fn  # build_dataloader looks it up there
    basicsr.train.build_model = build_model
    basicsr.train.CPUPrefetcher = StoppingCPUPrefetcher
    basicsr.train.CUDAPrefetcher = StoppingCUDAPrefetcher
    install_handlers()
