"""The training clips' order as a function of (manual_seed, epoch).

BasicSR 1.4.2's EnlargedSampler shuffles each epoch with a generator seeded
by the epoch alone: every manual_seed sees the clips in the same order, so
seeds of a comparison (std-compare) differ in initial weights and crops but
not in which clips come when, and the spread over seeds misses that part of
the noise. Here BasicSR's epoch order is kept and the dataset's indices are
relabelled by a permutation drawn from (manual_seed, epoch): for each epoch
the order is then uniformly random and independent across seeds, the same
for every run with the same manual_seed (the arms of a seed see the same
batches), and still a function of (seed, epoch) alone, so a resumed run can
skip the batches it already consumed. Every rank relabels the same way, so
the ranks still split the epoch between them.

manual_seed 0 keeps BasicSR's order (no relabelling): runs trained with it
before this existed (the demo's shipped teacher and warm start) replay bit
for bit. Its order is still pseudo-random per epoch and independent of the
other seeds' relabelled ones."""
import numpy as np
import torch


def relabelling(seed, epoch, size):
    """A permutation of range(size) drawn from (seed, epoch)."""
    state = np.random.SeedSequence([seed, epoch]).generate_state(2)
    generator = torch.Generator()
    generator.manual_seed(int(state[0]) << 32 | int(state[1]))
    return torch.randperm(size, generator=generator).tolist()


def seeded_order(indices, seed, epoch, size):
    """BasicSR's epoch order `indices` (dataset indices, size of them) under the
    seed's relabelling; unchanged when no seed is known (a dataset this plugin
    did not build) or for seed 0 (BasicSR's own order, as before)."""
    if not seed:
        return indices
    labels = relabelling(seed, epoch, size)
    return [labels[i] for i in indices]
