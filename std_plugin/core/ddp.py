"""Networks under DataParallel / DistributedDataParallel: the bare network
under the wrappers, and rank 0's weights on every rank."""
import torch
from torch import nn


def broadcast_from_rank0(net):
    """Rank 0's parameters and buffers on every rank, as DDP does when it wraps."""
    for tensor in list(net.parameters()) + list(net.buffers()):
        torch.distributed.broadcast(tensor.data, src=0)
    return net


def unwrap(net):
    """The bare network under DataParallel / DistributedDataParallel wrappers."""
    while isinstance(net, (nn.DataParallel, nn.parallel.DistributedDataParallel)):
        net = net.module
    return net
