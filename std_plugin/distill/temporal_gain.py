"""Does a network use time? Its temporal gain: the PSNR it reaches from its
real window of 2k+1 frames minus the PSNR it reaches from the centre frame
repeated 2k+1 times, frame by frame, on the clips of a validation set.

Time distillation can only carry what the teacher takes from the neighbour
frames: a teacher whose gain is ~0 dB is a single-image SR network with a
7-frame input, and TD then has nothing temporal to transfer (the first demo
teacher: +0.03 dB; a trained EDVR-L gains well over 1 dB on Vid4).

    gains = temporal_gains(net, dataset_opt, scale, psnr_opt, device)
    gains[0].gain, gains[0].by_position()

A frame's position is its distance to the nearer clip border, capped at k:
windows at positions < k hold replicated border frames (the clip has no
neighbours there), position k has a full window.
"""
from dataclasses import dataclass, field

import torch

from basicsr.data import build_dataset
from basicsr.metrics import calculate_metric
from basicsr.utils import tensor2img
from std_plugin.core.errors import InputError, OptionError

WARN_BELOW_DB = 0.3  # the gain under which std-compare and train.py say TD has little to transfer
DEFAULT_PSNR = {'type': 'calculate_psnr', 'crop_border': 0, 'test_y_channel': True}


@dataclass
class ClipGain:
    """One clip: PSNR per frame from the real windows and from the centre frame repeated."""
    clip: str
    half_window: int
    window: list = field(default_factory=list)
    centre: list = field(default_factory=list)
    positions: list = field(default_factory=list)

    @property
    def gain(self):
        return mean(self.window) - mean(self.centre)

    def by_position(self):
        """{position: mean PSNR of the real windows there}, positions 0..k present in the clip."""
        out = {}
        for pos, value in zip(self.positions, self.window):
            out.setdefault(pos, []).append(value)
        return {pos: mean(values) for pos, values in sorted(out.items())}


def mean(values):
    return sum(values) / len(values)


def centre_repeated(lq):
    """(B, T, C, H, W) -> the same shape, every frame the centre one."""
    return lq[:, lq.shape[1] // 2:lq.shape[1] // 2 + 1].expand_as(lq).contiguous()


def position(idx, half_window):
    """BasicSR's 'i/N' frame index -> distance to the nearer clip border, capped at k."""
    i, n = (int(v) for v in str(idx).split('/'))
    return min(i, n - 1 - i, half_window)


def deepest(idx, half_window):
    """The largest position a frame of this clip reaches: k, or less in a clip shorter than 2k+1."""
    return min(half_window, (int(str(idx).split('/')[1]) - 1) // 2)


def temporal_gains(net, dataset_opt, scale, psnr_opt=None, device='cpu', max_frames=None, on_features=None):
    """[ClipGain] over the clips of a BasicSR video test dataset (VideoTestDataset
    layout: each item one frame's window). `max_frames` caps the frames scored
    per clip and then takes full windows only (position k, or the deepest a
    short clip has), where the gain is the network's own and not diluted by
    replicated border frames;
    `on_features(window_lq)` is called right after each real-window forward,
    which follows the centre-repeated one (a tap's last record is the window's)."""
    dataset = build_dataset(dict(dataset_opt, phase='val', scale=scale))
    psnr_opt = psnr_opt or DEFAULT_PSNR
    gains = {}
    net.eval()
    for i in range(len(dataset)):
        item = dataset[i]
        lq = item['lq'].unsqueeze(0).to(device)
        k = lq.shape[1] // 2
        scored = gains.get(item['folder'])
        if max_frames and (position(item['idx'], k) < deepest(item['idx'], k) or
                           (scored and len(scored.window) >= max_frames)):
            continue
        clip = gains.setdefault(item['folder'], ClipGain(item['folder'], k))
        gt = tensor2img([item['gt']])
        with torch.no_grad():
            sr_centre = net(centre_repeated(lq))
            sr_window = net(lq)  # last, so that on_features sees the real window's forward last
            if on_features is not None:
                on_features(lq)
        clip.window.append(calculate_metric(dict(img=tensor2img([sr_window.cpu()]), img2=gt), psnr_opt))
        clip.centre.append(calculate_metric(dict(img=tensor2img([sr_centre.cpu()]), img2=gt), psnr_opt))
        clip.positions.append(position(item['idx'], k))
    if not gains:
        raise InputError(f'{dataset_opt.get("name", "the validation set")}: no frame to score')
    return list(gains.values())


def overall_gain(gains):
    """Mean over clips of each clip's gain (BasicSR's validation averages clips the same way)."""
    return mean([g.gain for g in gains])


def warning_line(gain, what='the teacher'):
    """The one line std-compare and train.py print, or None when the gain is enough."""
    if gain >= WARN_BELOW_DB:
        return None
    return (f'{what} gains only {gain:+.2f} dB from its neighbour frames (real window vs the centre frame '
            f'repeated; below {WARN_BELOW_DB} dB): time distillation (TD) has little temporal knowledge '
            'to transfer from it')


START_FRAMES = 3  # distill.teacher_check default: full-window frames scored per clip when training starts


def start_check(opt, net, device):
    """(gain, warning line or None) of a window teacher on the first val set when
    training starts, or None when `distill.teacher_check` is 0/false or there is
    no val set. A few full-window frames per clip: enough to tell ~0 dB from the
    1 dB a teacher that uses time gains, at a few forwards' cost."""
    frames = (opt.get('distill') or {}).get('teacher_check', START_FRAMES)
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 0:
        if frames is not False:
            raise OptionError(f'distill.teacher_check must be a number of frames per clip (0 or false: off), '
                              f'got {frames!r}')
    phases = [p for p in opt.get('datasets') or {} if p.split('_')[0] == 'val']
    if not frames or not phases:
        return None
    gain = overall_gain(temporal_gains(net, opt['datasets'][phases[0]], opt['scale'], device=device,
                                       max_frames=frames))
    return gain, warning_line(gain)
