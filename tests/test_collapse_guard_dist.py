"""The collapse guard of a trained ConvLSTM decides on L_TD averaged over all
processes: every rank freezes at the same step, or none does, so the copies of
the ConvLSTM never fall out of sync."""
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from std_plugin.archs.convlstm_arch import PeepholeConvLSTM
from std_plugin.losses.temporal_memory_loss import TemporalMemoryLoss, is_frozen


CASES = {'one rank below': [0.0, 1.0], 'both below': [0.0, 0.0]}


def guard_decisions(rank, world, port, out):
    """For each case, rank r compares teacher features with student features
    that differ by the case's gap for r; records (frozen?, its own L_TD)."""
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    for case, gaps in CASES.items():
        torch.manual_seed(0)
        lstm = PeepholeConvLSTM(2, 2, kernel_size=1)
        feats_t = torch.rand(1, 3, 2, 4, 4) + 0.5
        loss = TemporalMemoryLoss(normalize=None, freeze_threshold=1e-4)
        value = loss(lstm, feats_t + gaps[rank], feats_t).item()
        out[(case, rank)] = (is_frozen(lstm), value)
    dist.destroy_process_group()


@pytest.mark.timeout(120)
def test_ranks_freeze_together_on_the_mean_loss():
    out = mp.Manager().dict()
    mp.spawn(guard_decisions, args=(2, 29731, out), nprocs=2, join=True)
    # rank 0 alone is below the threshold (identical features: L_TD = 0), rank 1 far
    # above: deciding alone, rank 0 would freeze and rank 1 would not.
    (frozen0, loss0), (frozen1, loss1) = out[('one rank below', 0)], out[('one rank below', 1)]
    assert loss0 == 0 and (loss0 + loss1) / 2 > 1e-4
    assert frozen0 is False and frozen1 is False
    assert out[('both below', 0)][0] is True and out[('both below', 1)][0] is True
