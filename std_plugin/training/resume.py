"""Resuming STD runs with BasicSR's train_pipeline.

BasicSR 1.4.2's `load_resume_state` maps the state onto `cuda` (fails on CPU)
and its `check_resume` redirects `pretrain_network_<x>` of EVERY network_<x>
to `models/net_<x>_<iter>.pth` and rewrites `param_key*: params_ema` to
`params`. The teacher is never saved (it does not change), so its path and
param key must survive the resume untouched. And BasicSR's sampler replays
the interrupted epoch from its first batch, so a resumed run would see other
batches than an uninterrupted one: ResumableSampler skips the batches already
consumed, orders the clips by (manual_seed, epoch) instead of the epoch alone
(clip_order), and hands each sample its seed key (sample_seeds) so that its
augmentation is the same too. `--auto_resume` skips, with a line naming it, a
newest state that does not load (truncated, empty) and takes the one before.
`install()` swaps the fixed pieces into `basicsr.train`, where train_pipeline
looks them up.
"""
import os.path as osp
import sys

from basicsr.data.data_sampler import EnlargedSampler
from basicsr.utils import check_resume, scandir
from std_plugin.core.checkpoints import read_checkpoint
from std_plugin.training.clip_order import seeded_order
from std_plugin.core.errors import CheckpointError, one_line
from std_plugin.training.sample_seeds import RNG_KEY, SAMPLE_SEED, sample_keys, seed_samples, set_rng_states

RESUME_ITER = '_resume_iter'  # set in the train dataset's options for ResumableSampler

# Networks that are loaded, never trained or saved by the run.
FIXED_NETWORKS = ('network_t',)


def check_resume_keeping_teacher(opt, resume_iter):
    kept = {k: v for k, v in opt['path'].items()
            if any(k in (f'pretrain_{n}', f'param_key_{n[len("network_"):]}') for n in FIXED_NETWORKS)}
    check_resume(opt, resume_iter)
    opt['path'].update(kept)


def states_newest_first(state_dir):
    """Paths of the `<iter>.state` files in state_dir, newest first."""
    if not osp.isdir(state_dir):
        return []
    iters = [int(name[:-len('.state')]) for name in scandir(state_dir, suffix='.state', recursive=False)
             if name[:-len('.state')].isdigit()]
    return [osp.join(state_dir, f'{i}.state') for i in sorted(iters, reverse=True)]


def last_checkpoint_note(path_opt):
    """Where the newest complete checkpoint really is (the models folder alone
    can be empty: nothing is saved before the first save_checkpoint_freq)."""
    states = states_newest_first(path_opt.get('training_states') or '')
    if not states:
        return f'no checkpoint was saved yet ({path_opt.get("training_states")} holds no training state)'
    it = osp.basename(states[0])[:-len('.state')]
    return (f'the last good checkpoint is {osp.join(path_opt["models"], f"net_g_{it}.pth")} with {states[0]} '
            '(--auto_resume continues from it)')


def newest_readable_state(state_dir):
    """(path, state) of the newest state that loads, or (None, None). A state
    that does not load (truncated by a full disk, emptied by a crashed copy)
    is skipped with a line naming it: the run continues from the one before."""
    for path in states_newest_first(state_dir):
        try:
            return path, read_checkpoint(path, 'training state')
        except CheckpointError as err:
            # The logger does not exist yet (BasicSR creates it after this step).
            print(f'std_plugin: warning: --auto_resume skips {one_line(err)}', file=sys.stderr, flush=True)
    return None, None


# RNG states of the state resumed from, set before the first batch after the
# resume (the DataLoader iterator made at the epoch start draws from torch's
# RNG, which the uninterrupted run did before it saved).
_pending_rng_states = []


def restore_random_states():
    while _pending_rng_states:
        set_rng_states(_pending_rng_states.pop())


def load_resume_state(opt):
    """BasicSR's load_resume_state, on any device and through the safe loader;
    and (every run) the train dataset seeded per sample from manual_seed."""
    if 'train' in opt.get('datasets', {}):
        opt['datasets']['train'][SAMPLE_SEED] = opt.get('manual_seed') or 0
    if opt['auto_resume']:
        # Where this run writes (root_path/experiments/<name>), not ./experiments: BasicSR's
        # own lookup is relative to the working folder, so `python path/to/train.py` elsewhere
        # found nothing, archived the experiment and started again from iteration 0.
        path, state = newest_readable_state(opt['path']['training_states'])
        if path:
            opt['path']['resume_state'] = path
    else:
        path = opt['path'].get('resume_state')
        state = read_checkpoint(path, 'path.resume_state') if path else None
    if not path:
        return None
    check_resume_keeping_teacher(opt, state['iter'])
    if 'train' in opt.get('datasets', {}):
        opt['datasets']['train'][RESUME_ITER] = state['iter']
    if RNG_KEY in state:
        _pending_rng_states[:] = [state[RNG_KEY]]
    return state


def build_dataset(dataset_opt):
    """basicsr's build_dataset; the train set loads each sample under its own seed."""
    from basicsr.data import build_dataset as basicsr_build_dataset
    dataset = basicsr_build_dataset(dataset_opt)
    return seed_samples(dataset) if dataset_opt.get('phase') == 'train' else dataset


class ResumableSampler(EnlargedSampler):
    """EnlargedSampler whose clip order depends on manual_seed as well as the
    epoch (clip_order), and that, in the epoch a run resumes in, starts after
    the batches the interrupted run already consumed."""

    def __init__(self, dataset, num_replicas, rank, ratio=1):
        super().__init__(dataset, num_replicas, rank, ratio)
        opt = getattr(dataset, 'opt', None) or {}
        self.resume_iter = opt.get(RESUME_ITER)
        self.batch_size = opt.get('batch_size_per_gpu', 1)
        self.seed = opt.get(SAMPLE_SEED)

    def __iter__(self):
        order = seeded_order(list(super().__iter__()), self.seed, self.epoch, len(self.dataset))
        indices = sample_keys(self.dataset, order, self.epoch, self.rank)
        if self.resume_iter is not None:
            # Epochs have num_samples // batch_size batches (the loader drops the last partial one).
            # Decided by the epoch alone, on every call: with workers, the DataLoader starts
            # iterating when BasicSR's prefetcher is made, before set_epoch, and that first
            # iterator is thrown away (only skipping on the first call replayed the epoch).
            done = self.resume_iter - self.epoch * (self.num_samples // self.batch_size)
            indices = indices[max(done, 0) * self.batch_size:]
        return iter(indices)


def install():
    import basicsr.train
    if basicsr.train.load_resume_state is load_resume_state:
        return
    basicsr.train.load_resume_state = load_resume_state
    basicsr.train.EnlargedSampler = ResumableSampler
    basicsr.train.build_dataset = build_dataset
