"""Clip teachers: recurrent networks that super-resolve all N frames of a clip
in one call, (B, N, C, h, w) -> (B, N, C, 4h, 4w), such as BasicSR's
BasicVSR, IconVSR and BasicVSRPlusPlus.

A window teacher (EDVR) runs once per output frame on B*N sliding windows; a
clip teacher runs once per clip and its F^SR layer runs once per frame inside
its loop, so the tap collects N maps per call (FeatureTap.take_frames).

Frame alignment: the student reads one replicated-border window per frame, so
it has an output for EVERY frame of the clip, row b*N + t for frame t of clip
b (windows.clip_to_windows); the clip teacher's map of frame t lands on the
same row. SD compares rows one to one; TD runs the ConvLSTM over the N rows of
each clip of both networks in frame order.

Kind (`distill.teacher_kind`: window | clip): given, else known from the
arch type (training.clip_teacher_options.CLIP_TEACHERS), else probed: a network with a known window size
(num_frame) is a window teacher; otherwise one forward on a clip tells, a
(1, N, C, H, W) output being a clip teacher's.
"""
import torch

from std_plugin.core.basicsr_patches import basicvsrpp_alignment  # noqa: F401  (BasicVSR++ aligns on CPU too)
from std_plugin.archs.network_spec import frames_per_output
from std_plugin.core.taps import FeatureTap
from std_plugin.training.clip_teacher_options import MIN_LR_SIZE, is_clip_network
from std_plugin.core.errors import InputError, OptionError
from std_plugin.training.option_schema import TEACHER_KINDS, check_choice
from std_plugin.training.precision import autocast

DEFAULT_CLIP_FRAMES = 7  # a Vimeo90K septuplet


def clip_frames(opt):
    """N: frames of a training clip (datasets.train.num_frame)."""
    train = (opt.get('datasets') or {}).get('train') or {}
    return int(train.get('num_frame') or DEFAULT_CLIP_FRAMES)


def probe_size(opt):
    """LR side of the init probes: 16, or the teacher's minimum, as a multiple of 4."""
    side = max(16, MIN_LR_SIZE.get(opt['network_t'].get('type'), 0))
    return -(-side // 4) * 4


def teacher_kind(opt, net, device):
    """'clip' or 'window' (module docstring)."""
    kind = (opt.get('distill') or {}).get('teacher_kind')
    if kind is not None:
        return check_choice('distill.teacher_kind', kind, TEACHER_KINDS)
    if is_clip_network(opt['network_t']):
        return 'clip'
    try:
        frames_per_output(net, opt['network_t'])
        return 'window'
    except InputError:
        pass
    frames = clip_frames(opt)
    out = run_on_zeros(net, frames, probe_size(opt), device)
    if out.dim() == 5 and out.shape[1] == frames:
        return 'clip'
    raise OptionError(f'network_t ({opt["network_t"]["type"]}) names no num_frame and turns a {frames}-frame clip '
                      f'into {tuple(out.shape)}, not one frame per input frame; set network_t.num_frame (a window '
                      'teacher) or distill.teacher_kind')


def run_on_zeros(net, frames, size, device):
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            return net(torch.zeros(1, frames, 3, size, size, device=device))
    except (RuntimeError, IndexError, AssertionError, ValueError) as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise OptionError(f'network_t ({type(net).__name__}) fails on a {frames}-frame {size}x{size} clip: '
                          f'{message}') from None
    finally:
        net.train(was_training)


def check_frame_count(out, frames, net):
    if out.dim() != 5 or out.shape[1] != frames:
        got = f'{out.shape[1]} frames' if out.dim() == 5 else f'a {out.dim()}-D tensor {tuple(out.shape)}'
        raise OptionError(f'network_t ({type(net).__name__}) returned {got} for a {frames}-frame clip; a clip '
                          'teacher must return one frame per input frame, (B, N, C, 4h, 4w)')


def probe_clip(net, path, frames, device, size):
    """(output, F^SR) shapes of one forward on a zero clip, with the frame counts checked."""
    with FeatureTap(net, path) as tap:
        out = run_on_zeros(net, frames, size, device)
        check_frame_count(out, frames, net)
        feat = tap.take_frames(frames, 'distill.teacher_layer')
    return out.shape, feat.shape


def clip_features(net, tap, lq, chunk, device, precision):
    """Teacher F^SR of every frame of every clip (fp32, (B*N, C, H, W), row b*N + t),
    without autograd: one call per `chunk` clips (0: all clips at once)."""
    frames = lq.shape[1]
    net.eval()
    feats = []
    with torch.no_grad(), autocast(device, precision):
        for part in lq.split(chunk or lq.shape[0]):
            # BasicSR's BasicVSR++ sets this when a clip reads the same backwards and
            # never clears it: every later clip would reuse its backward flows.
            if hasattr(net, 'is_mirror_extended'):
                net.is_mirror_extended = False
            check_frame_count(net(part), frames, net)
            feats.append(tap.take_frames(frames, 'distill.teacher_layer'))
    return torch.cat(feats).float()
