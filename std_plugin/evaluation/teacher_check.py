"""What a teacher holds for STD to transfer, measured before any training
(std-teacher-check, and std-compare before its first run):

- its temporal gain (distill/temporal_gain.py) on each clip of each val set:
  ~0 dB means a single-image SR network with a multi-frame input, and time
  distillation then has nothing temporal to carry;
- its PSNR by window position (border windows hold replicated frames);
- the share of its F^SR energy that L_TD can reach through the adapter when the
  student's F^SR is narrower (distill/feature_energy.py): a random orthonormal
  adapter (the model's default) and the best one of that width.
"""
import contextlib
import os
from dataclasses import dataclass

import torch

from basicsr.archs import build_network
from std_plugin.archs.network_spec import frame_count
from std_plugin.distill import clip_teacher
from std_plugin.distill.feature_energy import channel_moment, energy_kept, principal_map
from std_plugin.distill.probes import probe
from std_plugin.core.taps import FeatureTap
from std_plugin.distill.teacher import build_teacher
from std_plugin.distill.temporal_gain import START_FRAMES, mean, overall_gain, temporal_gains, warning_line
from std_plugin.core.errors import OptionError
from std_plugin.training.option_checks import NON_ARCH_KEYS

RANDOM_ADAPTERS = 8  # draws averaged for the random adapter's share


class ClipTeacher(OptionError):
    """A recurrent teacher: it has no window to compare with the centre frame repeated."""


@dataclass
class TeacherReport:
    gains: dict     # val set name -> [ClipGain]
    width_s: int    # the student's F^SR channels
    width_t: int    # the teacher's
    moment: torch.Tensor  # channel moment of the teacher's F^SR over the scored windows

    @property
    def gain(self):
        """Mean over val sets of each set's mean clip gain."""
        return mean([overall_gain(g) for g in self.gains.values()])

    def energy_shares(self, seed=0):
        """(random adapter share, best adapter share); (1, 1) when no adapter is needed."""
        if self.width_s >= self.width_t:
            return 1.0, 1.0
        generator = torch.Generator().manual_seed(seed)
        shares = []
        for _ in range(RANDOM_ADAPTERS):
            weight = torch.nn.init.orthogonal_(torch.empty(self.width_t, self.width_s), generator=generator)
            shares.append(energy_kept(self.moment, weight.double()))
        return mean(shares), energy_kept(self.moment, principal_map(self.moment, self.width_s))

    def warning(self):
        return warning_line(self.gain)


def val_phases(opt):
    """BasicSR's rule: every datasets entry whose phase starts with 'val'."""
    return [phase for phase in opt.get('datasets') or {} if phase.split('_')[0] == 'val']


def fsr_width(opt, key, layer_key, net=None, device='cpu'):
    """Channels of a network's F^SR (network_g or network_t at distill.<layer_key>)."""
    net_opt = {k: v for k, v in opt[key].items() if k not in NON_ARCH_KEYS}
    net = net if net is not None else build_network(net_opt).to(device)
    layer = (opt.get('distill') or {}).get(layer_key) or getattr(net, 'fsr_layer', 'conv_hr')
    return layer, probe(net, layer, frame_count(net_opt, net, key), device)[1][1]


@contextlib.contextmanager
def working_folder(path):
    """contextlib.chdir (Python >= 3.11) for the Pythons this package supports:
    the option file's relative paths are read from the run root."""
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def check_teacher(opt, device='cpu', max_frames=None, root='.'):
    """TeacherReport of the option file's teacher on its val sets (paths relative to root)."""
    if not opt.get('network_t'):
        raise OptionError('network_t: the option file has no teacher to check')
    if not val_phases(opt):
        raise OptionError('datasets: the option file has no val set to measure the teacher on')
    with working_folder(root):
        teacher = build_teacher(opt, device)
        if clip_teacher.teacher_kind(opt, teacher, device) == 'clip':
            raise ClipTeacher('network_t reads whole clips (a recurrent teacher): the temporal gain is measured '
                              'for window teachers only')
        layer, width_t = fsr_width(opt, 'network_t', 'teacher_layer', teacher, device)
        width_s = fsr_width(opt, 'network_g', 'student_layer', device=device)[1]
        moment = torch.zeros(width_t, width_t, dtype=torch.float64)
        gains = {}
        with FeatureTap(teacher, layer) as tap:
            def collect(_):
                nonlocal moment
                moment += channel_moment(tap.take()[-1:]).cpu()  # [centre repeated, real window]
            for phase in val_phases(opt):
                dataset_opt = opt['datasets'][phase]
                gains[dataset_opt.get('name', phase)] = temporal_gains(
                    teacher, dataset_opt, opt['scale'], device=device, max_frames=max_frames, on_features=collect)
    return TeacherReport(gains, width_s, width_t, moment)


def render(report):
    """The report as Markdown lines."""
    lines = ['| val set | clip | frames | window PSNR | centre repeated | temporal gain (dB) | PSNR by position |',
             '|---|---|---|---|---|---|---|']
    for name, clips in report.gains.items():
        for c in clips:
            positions = ', '.join(f'{p}: {v:.2f}' for p, v in c.by_position().items())
            lines.append(f'| {name} | {c.clip} | {len(c.window)} | {mean(c.window):.2f} | {mean(c.centre):.2f} | '
                         f'{c.gain:+.3f} | {positions} |')
    lines.append(f'\nTemporal gain (mean over val sets): {report.gain:+.3f} dB')
    random_share, best_share = report.energy_shares()
    if report.width_s >= report.width_t:
        lines.append(f'F^SR widths: student {report.width_s}, teacher {report.width_t}: no adapter, L_TD sees all '
                     "of the teacher's F^SR")
    else:
        lines.append(f'F^SR widths: student {report.width_s}, teacher {report.width_t}: a random orthonormal adapter '
                     f"keeps {random_share:.1%} of the teacher's F^SR energy, the best one of that width "
                     f'(std-pretrain-lstm --adapter principal) {best_share:.1%}')
    return lines


def before_training(opt, arms, root, prog):
    """std-compare's check before its first run, when an arm distils time: the
    teacher's temporal gain on a few full windows per clip, and the warning line."""
    if not any(arm in ('std', 'td') for arm in arms):
        return
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    try:
        report = check_teacher(opt, device, START_FRAMES, root)
    except ClipTeacher:
        return
    print(f'{prog}: teacher check: the teacher gains {report.gain:+.2f} dB from its neighbour frames '
          f'({START_FRAMES} full windows per val clip; std-teacher-check measures every frame)')
    if report.warning():
        print(f'{prog}: warning: {report.warning()}')
