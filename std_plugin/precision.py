"""Reduced precision for STD: autocast contexts and an fp16 gradient scaler
whose state is saved and resumed inside the optimizer's state.

bf16 keeps fp32's exponent range and needs no scaler; fp16 does. Attention
maps and ConvLSTM cells are compared in fp32 whatever the autocast.
"""
from contextlib import nullcontext

import torch

DTYPES = {None: None, 'bf16': torch.bfloat16, 'fp16': torch.float16}


def check_precision(name, key):
    if name not in DTYPES:
        raise ValueError(f'{key} must be one of bf16, fp16 or ~ (fp32), got {name!r}')
    return name


def autocast(device, name):
    """torch.autocast for bf16/fp16, a no-op context for None."""
    if DTYPES[name] is None:
        return nullcontext()
    return torch.autocast(device.type, dtype=DTYPES[name])


SCALER_KEY = 'std_grad_scaler'


def attach_grad_scaler(optimizer, device):
    """A GradScaler whose state rides in optimizer.state_dict(), so BasicSR's own
    training-state files save and restore it without a format of our own."""
    scaler = torch.amp.GradScaler(device.type)

    def save(_, state):
        state[SCALER_KEY] = scaler.state_dict()
        return state

    def load(_, state):
        state = dict(state)
        if SCALER_KEY in state:
            scaler.load_state_dict(state.pop(SCALER_KEY))
        return state

    optimizer.register_state_dict_post_hook(save)
    optimizer.register_load_state_dict_pre_hook(load)
    return scaler
