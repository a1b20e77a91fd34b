"""Augmentation that a resumed run repeats exactly.

BasicSR's datasets draw crops, flips and rotations from the global `random`
of whichever process loads the sample: the main process (no workers) or a
worker that basicsr.data.worker_init_fn reseeds identically every epoch. None
of it is saved with the training state, so a resumed run augments differently
from an uninterrupted one (issue 14: iteration 9's l_pix 8.9043e-2 resumed vs
8.8706e-2). Saving the workers' states cannot work: they live in other
processes, which hold prefetched batches the run never used.

Here each training sample is loaded with Python's, NumPy's and torch's RNGs
seeded from (manual_seed, epoch, position in the epoch, rank) and restored
afterwards: its augmentation is a function of where it sits in the run,
whatever the process, the number of workers, or where the run resumed. The
main process's own RNG states (for anything a model draws) are saved with the
training state and restored before the first batch after a resume.
"""
import os
import random
from contextlib import contextmanager

import numpy as np
import torch

from std_plugin.core.checkpoints import read_checkpoint

RNG_KEY = 'rng'  # in the training state
SAMPLE_SEED = '_sample_seed'  # set in the train dataset's options (manual_seed)


@contextmanager
def seeded_rngs(key):
    """Python, NumPy and torch (CPU) RNGs seeded from the ints of `key`, then
    put back as they were, so the main process's streams are untouched."""
    saved = random.getstate(), np.random.get_state()
    seeds = np.random.SeedSequence(list(key)).generate_state(2)
    with torch.random.fork_rng(devices=[]):
        random.seed(int(seeds[0]))
        np.random.seed(seeds[0])
        # The CPU generator only: torch.manual_seed would also reseed CUDA's, which
        # fork_rng(devices=[]) does not put back.
        torch.default_generator.manual_seed(int(seeds[0]) << 32 | int(seeds[1]))
        try:
            yield
        finally:
            random.setstate(saved[0])
            np.random.set_state(saved[1])


def seeded_subclass(cls):
    """cls whose dataset[(index, key)] is dataset[index] loaded under
    seeded_rngs(key); a plain index behaves as before. (A mixin base would
    change the object layout: an existing dataset could not take the class.)"""
    def __getitem__(self, item):
        if not isinstance(item, tuple):
            return cls.__getitem__(self, item)
        index, key = item
        with seeded_rngs(key):
            return cls.__getitem__(self, index)

    return type(f'Seeded{cls.__name__}', (cls,), {'__getitem__': __getitem__, 'seeded_samples': True})


_SEEDED_CLASSES = {}


def is_seeded(dataset):
    return getattr(dataset, 'seeded_samples', False)


def seed_samples(dataset):
    """Make `dataset` (any BasicSR dataset) load samples seeded, in place."""
    cls = type(dataset)
    if not is_seeded(dataset):
        if cls not in _SEEDED_CLASSES:
            _SEEDED_CLASSES[cls] = seeded_subclass(cls)
        dataset.__class__ = _SEEDED_CLASSES[cls]
    return dataset


def sample_keys(dataset, indices, epoch, rank):
    """What the train sampler yields: (index, seed key) pairs for a seeded
    dataset, the indices themselves otherwise."""
    seed = (getattr(dataset, 'opt', None) or {}).get(SAMPLE_SEED)
    if seed is None or not is_seeded(dataset):
        return indices
    return [(index, (seed, epoch, rank, position)) for position, index in enumerate(indices)]


def rng_states():
    """The main process's RNG states, in types the safe loader accepts."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    states = {'python': random.getstate(), 'numpy': (name, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss,
                                                      cached), 'torch': torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states):
    random.setstate(states['python'])
    name, keys, pos, has_gauss, cached = states['numpy']
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(states['torch'])
    if 'cuda' in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states['cuda'])


def add_rng_states(state_dir, current_iter):
    """Add the RNG states to the training state BasicSR has just written into
    state_dir (its save_training_state builds the dict internally: rewriting
    the staged file is the way in without copying it)."""
    state_path = os.path.join(state_dir, f'{current_iter}.state')
    if current_iter == -1 or not os.path.isfile(state_path):  # -1: 'latest', no state is written
        return
    state = read_checkpoint(state_path, 'training state')
    state[RNG_KEY] = rng_states()
    with open(state_path, 'wb') as f:  # a Python file: a full disk raises OSError(ENOSPC), not a zip-writer error
        torch.save(state, f)
