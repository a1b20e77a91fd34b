"""Multiply-accumulate (MAC) counting on top of torch.utils.flop_counter.

Convention (what the numbers mean):

* One MAC per weight tap: a convolution costs
  ``out_h * out_w * C_out * C_in / groups * kh * kw`` per batch element; a matmul
  ``M * N * K``. ``FlopCounterMode`` counts 2 FLOPs per MAC; we halve it. This
  is the convention of the STD paper's "FLOPs" column, which matches
  multiply-adds.
* Biases, activations, normalisation, pooling and fixed-kernel resizes
  (``F.interpolate``, e.g. the bicubic global residual) are not counted: they
  cost O(values), not O(values * taps * channels).
* ``torchvision.ops.deform_conv2d`` is counted like a convolution of the same
  shape. torch's counter does not know the op, and counters that skip it
  under-count EDVR by about 5%: the STD supplement's 0.93 T for EDVR is
  exactly EDVR-L's count without its deform convs (0.933 T at 180x120; 0.985 T
  with them), so its counter skipped them.
* ``sampling=True`` also counts bilinear sampling, the part of alignment that
  is not a convolution: 4 MACs (the 4-tap weighted sum) per sampled value, in
  deform conv (each input channel at each kernel tap of each output pixel,
  plus 1 MAC per value for DCNv2's modulation mask) and in ``grid_sample``
  (flow warping, as in TOFlow and VESPCN).
  It is reported separately because the paper's counters leave it out.

Counting is cheap: ``count_macs`` runs the model on the meta device when it
can (shapes only, no arithmetic), so EDVR-L at 180x120 is counted in well
under a second instead of ~21 s on a 2-core CPU. Data-dependent Python
branches read a meta scalar as 0 (see ``_MetaScalars``); the tests check that
meta and real counts agree for every network in the profile table.
"""
import copy
import warnings

import torch
import torchvision  # noqa: F401  (registers torch.ops.torchvision.*)
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode, conv_flop_count

_BILINEAR_TAPS = 4


def deform_conv_macs(x_shape, w_shape, out_shape, use_mask, sampling):
    """MACs of one deform_conv2d call (see the module docstring)."""
    macs = conv_flop_count(list(x_shape), list(w_shape), list(out_shape)) // 2
    if sampling:
        batch, _, out_h, out_w = out_shape
        c_in, (kh, kw) = x_shape[1], w_shape[2:]
        macs += batch * out_h * out_w * c_in * kh * kw * (_BILINEAR_TAPS + int(use_mask))
    return macs


def grid_sample_macs(x_shape, out_shape):
    """MACs of bilinear grid sampling: 4 per output value."""
    batch, channels = x_shape[:2]
    return batch * channels * out_shape[2] * out_shape[3] * _BILINEAR_TAPS


def _flop_formulas(sampling):
    """custom_mapping for FlopCounterMode. Formulas receive shapes and must
    return FLOPs (2 per MAC), the counter's own unit."""

    def deform_conv2d(x, weight, offset, mask, bias, *conv_args, out_shape):
        return 2 * deform_conv_macs(x, weight, out_shape, use_mask=conv_args[-1], sampling=sampling)

    def grid_sampler_2d(x, grid, *sample_args, out_shape):
        return 2 * grid_sample_macs(x, out_shape) if sampling else 0

    return {
        torch.ops.torchvision.deform_conv2d: deform_conv2d,
        torch.ops.aten.grid_sampler_2d: grid_sampler_2d,
    }


class _MetaScalars(TorchDispatchMode):
    """Answers ``.item()`` / ``bool()`` on meta tensors with 0.

    Meta tensors have no values, so a Python branch on one raises. In the
    networks counted here such branches only guard warnings (BasicSR's
    DCNv2Pack logs when the mean |offset| exceeds 50), never shapes, so 0
    (the quiet branch) leaves the count exact. A network whose shapes did
    depend on values would be miscounted: the tests compare meta with real
    counts for every network of the profile table."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten._local_scalar_dense.default and args[0].is_meta:
            return False if args[0].dtype == torch.bool else 0
        return func(*args, **(kwargs or {}))


def _count(model, inputs, sampling):
    with torch.no_grad(), FlopCounterMode(display=False, custom_mapping=_flop_formulas(sampling)) as counter, \
            _MetaScalars():
        model(*inputs)
    return counter.get_total_flops() // 2


def count_macs(model, *inputs, sampling=False, on_meta=True):
    """MACs of ``model(*inputs)`` (one forward, no grad).

    With ``on_meta`` the model is deep-copied to the meta device and run on
    meta tensors of the same shapes (free of arithmetic); if the network
    cannot run on meta, it falls back to running for real."""
    if on_meta:
        try:
            meta_model = copy.deepcopy(model).to('meta')
            meta_inputs = [x.to('meta') if torch.is_tensor(x) else x for x in inputs]
            return _count(meta_model, meta_inputs, sampling)
        except (NotImplementedError, RuntimeError) as err:
            warnings.warn(f'count_macs: {type(model).__name__} does not run on the meta device ({err}); '
                          'counting with a real forward', stacklevel=2)
    return _count(model, inputs, sampling)
