"""The temporal memory time distillation compares through: the ConvLSTM shared
by student and teacher (network_lstm), the 1x1 adapter that feeds it the
student's F^SR when the two widths differ, and the scale both sequences are
divided by before they go in (L_TD and the ConvLSTM's pretraining use the same)."""
from torch import nn

from basicsr.archs import build_network
from std_plugin.core.errors import OptionError
from std_plugin.training.option_schema import ADAPTERS, TD_NORMALIZATIONS, check_choice


def build_temporal_memory(opt, ch_t):
    """The shared ConvLSTM of `network_lstm` (default: hidden 16), fed at the
    teacher's F^SR width `ch_t`."""
    lstm_opt = dict(opt.get('network_lstm') or {'type': 'PeepholeConvLSTM', 'hidden_dim': 16})
    lstm_opt.setdefault('input_dim', ch_t)
    if lstm_opt['input_dim'] != ch_t:
        raise OptionError(f'network_lstm.input_dim is {lstm_opt["input_dim"]} but the teacher F^SR has {ch_t} '
                          'channels')
    return build_network(lstm_opt)


def build_adapter(ch_s, ch_t, mode):
    """1x1 conv from the student's F^SR width to the teacher's. 'fixed': an
    orthonormal map (distances between student features are kept), never
    trained; 'trained': optimised with the student on L_TD (it then absorbs
    most of the difference the student should close)."""
    check_choice('distill.adapter', mode, ADAPTERS)
    adapter = nn.Conv2d(ch_s, ch_t, 1, bias=mode == 'trained')
    nn.init.orthogonal_(adapter.weight)
    return adapter.requires_grad_(mode == 'trained')


def input_scale(feats_t, normalize='teacher'):
    """What both sequences are divided by: per clip, the RMS of its teacher
    features, (B, 1, 1, 1, 1), a constant (no gradient), for normalize='teacher';
    1 for None (the paper's unscaled features). Per clip, not per batch, so a
    distributed run (each rank its own clips) computes what a single process
    with the same global batch computes."""
    if normalize != 'teacher':
        return 1.0
    return feats_t.detach().float().pow(2).mean(dim=(1, 2, 3, 4), keepdim=True).sqrt().clamp_min(1e-12)


def check_normalize(normalize):
    check_choice('TemporalMemoryLoss normalize', normalize, TD_NORMALIZATIONS)
