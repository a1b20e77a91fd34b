"""The parts std-bench measures. Each is a top-level function of a BenchConfig
(picklable, run in its own process by isolated.run_isolated) returning a dict
with a 'timing' where it times something."""
import itertools

import torch

import std_plugin  # noqa: F401  (registers the plugin before basicsr is used)
from std_plugin.core.windows import clip_to_windows
from std_plugin.evaluation import networks
from std_plugin.core.timing import time_calls


def train_iteration(cfg, distill):
    """STDModel.optimize_parameters: a full STD iteration, or the student alone."""
    model = cfg.model(distill)
    step = itertools.count(1)
    timing = time_calls(lambda: model.optimize_parameters(next(step)), cfg.runs, cfg.warmup, model.device)
    return dict(timing=timing.as_dict(), losses=dict(model.log_dict))


def teacher_forward(cfg, precision, channels_last):
    """The frozen teacher's no-grad forward on the B*N windows of the batch,
    exactly as an STD iteration runs it (chunks, tap, fp32 features out)."""
    model = cfg.model(True, train=dict(channels_last=channels_last), teacher=dict(teacher_autocast=precision))
    timing = time_calls(lambda: model.teacher_features(model.lq), cfg.runs, cfg.warmup, model.device)
    return dict(timing=timing.as_dict())


@torch.no_grad()
def distillation_losses(cfg, precisions=(None, 'bf16')):
    """L_SD and L_TD (weighted, as logged) of ONE batch, the same student
    features and ConvLSTM, with the teacher run at each precision."""
    model = cfg.model(True, train=dict(compile=False))  # this part times nothing: no compile wait
    losses = {}
    for precision in precisions:
        model.teacher_autocast = precision
        model.net_g(clip_to_windows(model.lq, model.window_s))  # fills the student's F^SR tap
        values = model.distillation_losses(model.tap_s.take(), model.teacher_features(model.lq))
        losses[precision or 'fp32'] = {name: value.item() for name, value in values.items()}
    return dict(losses=losses)


def inference(cfg, name, net_opt, size):
    """ms per output frame (one forward of one window; a clip network's forward
    on a 7-frame clip divided by 7), batch 1, LR input `size` (W, H)."""
    network = networks.Network(name, net_opt, None)
    net, frames = networks.build(network)
    width, height = size
    net = net.to(cfg.device)
    x = torch.rand(1, frames, 3, height, width, device=cfg.device)
    with torch.no_grad():
        timing = time_calls(lambda: net(x), cfg.runs, cfg.warmup, x.device).as_dict()
    outputs = networks.outputs_per_forward(network)
    return dict(timing={k: v / outputs if k.endswith('_ms') else v for k, v in timing.items()})
