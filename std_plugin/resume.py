"""Resuming STD runs with BasicSR's train_pipeline.

BasicSR 1.4.2's `load_resume_state` maps the state onto `cuda` (fails on CPU)
and its `check_resume` redirects `pretrain_network_<x>` of EVERY network_<x>
to `models/net_<x>_<iter>.pth` and rewrites `param_key*: params_ema` to
`params`. The teacher is never saved (it does not change), so its path and
param key must survive the resume untouched. And BasicSR's sampler replays
the interrupted epoch from its first batch, so a resumed run would see other
batches than an uninterrupted one: ResumableSampler skips the batches already
consumed. `install()` swaps the fixed pieces into `basicsr.train`, where
train_pipeline looks them up.
"""
import os.path as osp

import torch

from basicsr.data.data_sampler import EnlargedSampler
from basicsr.utils import check_resume, scandir

RESUME_ITER = '_resume_iter'  # set in the train dataset's options for ResumableSampler

# Networks that are loaded, never trained or saved by the run.
FIXED_NETWORKS = ('network_t',)


def check_resume_keeping_teacher(opt, resume_iter):
    kept = {k: v for k, v in opt['path'].items()
            if any(k in (f'pretrain_{n}', f'param_key_{n[len("network_"):]}') for n in FIXED_NETWORKS)}
    check_resume(opt, resume_iter)
    opt['path'].update(kept)


def latest_state(state_dir):
    """Path of the newest `<iter>.state` in state_dir, or None."""
    if not osp.isdir(state_dir):
        return None
    iters = [int(name[:-len('.state')]) for name in scandir(state_dir, suffix='.state', recursive=False)
             if name[:-len('.state')].isdigit()]
    return osp.join(state_dir, f'{max(iters)}.state') if iters else None


def load_resume_state(opt):
    """BasicSR's load_resume_state, on any device and through the safe loader."""
    if opt['auto_resume']:
        path = latest_state(osp.join('experiments', opt['name'], 'training_states'))
        if path:
            opt['path']['resume_state'] = path
    else:
        path = opt['path'].get('resume_state')
    if not path:
        return None
    state = torch.load(path, map_location='cpu', weights_only=True)
    check_resume_keeping_teacher(opt, state['iter'])
    if 'train' in opt.get('datasets', {}):
        opt['datasets']['train'][RESUME_ITER] = state['iter']
    return state


class ResumableSampler(EnlargedSampler):
    """EnlargedSampler that, in the epoch a run resumes in, starts after the
    batches the interrupted run already consumed."""

    def __init__(self, dataset, num_replicas, rank, ratio=1):
        super().__init__(dataset, num_replicas, rank, ratio)
        opt = getattr(dataset, 'opt', None) or {}
        self.resume_iter = opt.get(RESUME_ITER)
        self.batch_size = opt.get('batch_size_per_gpu', 1)

    def __iter__(self):
        indices = list(super().__iter__())
        if self.resume_iter is not None:
            # Epochs have num_samples // batch_size batches (the loader drops the last partial one).
            done = self.resume_iter - self.epoch * (self.num_samples // self.batch_size)
            indices = indices[max(done, 0) * self.batch_size:]
            self.resume_iter = None
        return iter(indices)


def install():
    import basicsr.train
    if basicsr.train.load_resume_state is load_resume_state:
        return
    basicsr.train.load_resume_state = load_resume_state
    basicsr.train.EnlargedSampler = ResumableSampler
