"""Reduced precision for STD: autocast contexts and an fp16 gradient scaler
whose state is saved and resumed inside the optimizer's state.

bf16 keeps fp32's exponent range and needs no scaler; fp16 does. Attention
maps and ConvLSTM cells are compared in fp32 whatever the autocast.
"""
import torch
import torchvision  # noqa: F401  (loads the torchvision:: operators patched below)

from std_plugin.core.errors import OptionError

DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16, None: None}


def check_precision(name, key):
    """`name` (bf16, fp16 or None for fp32), or OptionError naming the key."""
    if isinstance(name, bool) or name not in DTYPES:
        raise OptionError(f'{key}: {name!r} is not one of bf16, fp16, ~ (fp32)')
    return name


def cpu_bf16_warning(device, name, key, native=None):
    """A line when bf16 is asked on a CPU without native bf16 (AVX-512 BF16 or
    AMX): oneDNN then emulates it, measured here ~100x slower than fp32 for a
    3x3 convolution (64 channels, 14x64x64: 24.6 s against 0.24 s on an AVX2
    CPU), so a run that meant to save time would crawl."""
    if native is None:
        native = torch.ops.mkldnn._is_mkldnn_bf16_supported()
    if name != 'bf16' or device.type != 'cpu' or native:
        return None
    return (f'{key}: bf16 on a CPU without native bf16 (capability {torch.backends.cpu.get_cpu_capability()}): '
            'its convolutions are emulated, about 100x slower than fp32 (README, "Speed"); use fp32 (~) here')


def autocast(device, name):
    """torch.autocast for bf16/fp16; for None, autocast explicitly OFF: the fp32
    teacher runs inside the student's autocast region and must not inherit it."""
    if DTYPES[name] is None:
        return torch.autocast(device.type, enabled=False)
    return torch.autocast(device.type, dtype=DTYPES[name])


_AUTOCAST_CPU = torch._C.DispatchKeySet(torch._C.DispatchKey.AutocastCPU)


def _deform_conv2d_fp32(input, weight, offset, mask, bias, *args):
    """deform_conv2d in fp32 with autocast off inside; the result in the input's dtype."""
    dtype = input.dtype
    with torch._C._ExcludeDispatchKeyGuard(_AUTOCAST_CPU):
        tensors = (t.float() if t.dtype in (torch.bfloat16, torch.float16) else t
                   for t in (input, weight, offset, mask, bias))
        return torch.ops.torchvision.deform_conv2d(*tensors, *args).to(dtype)


def register_cpu_autocast_deform_conv():
    """torchvision (0.29) gives deform_conv2d an autocast rule on CUDA only, and its
    CPU kernel has no bf16/fp16 version: an EDVR teacher under CPU autocast fails
    with "deformable_im2col not implemented for 'BFloat16'". Run it in fp32 under
    CPU autocast, as torchvision does on CUDA. No-op where a rule exists."""
    try:
        has_rule = torch._C._dispatch_has_kernel_for_dispatch_key('torchvision::deform_conv2d', 'AutocastCPU')
    except RuntimeError:  # a torchvision built without its C++ operators
        return None
    if has_rule:
        return None
    lib = torch.library.Library('torchvision', 'IMPL')
    lib.impl('deform_conv2d', _deform_conv2d_fp32, 'AutocastCPU')
    return lib  # the registration lives as long as this object


_DEFORM_CONV_RULE = register_cpu_autocast_deform_conv()


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
