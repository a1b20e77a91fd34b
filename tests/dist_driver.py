"""`python -m std_plugin.train` that also writes every rank's final student
weights (BasicSR saves from rank 0 only), for the distributed test."""
import torch
import torch.distributed as dist

import std_plugin  # noqa: F401
from std_plugin.models.std_model import STDModel
from std_plugin.train import main

save = STDModel.save


def save_every_rank(self, epoch, current_iter):
    save(self, epoch, current_iter)
    if current_iter == -1:
        rank = dist.get_rank() if dist.is_initialized() else 0
        torch.save(self.get_bare_model(self.net_g).state_dict(), f'net_g_rank{rank}.pth')


STDModel.save = save_every_rank

if __name__ == '__main__':
    main()
