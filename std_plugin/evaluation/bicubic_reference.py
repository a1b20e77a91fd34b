"""The score a video SR student starts from: every STD network adds its
residual to the PyTorch bicubic upsampling of the centre frame
(archs/bicubic_residual.py), so until it learns a residual it scores exactly
that. std-compare reports it beside the arms: a student at this line has not
started learning, whatever MATLAB bicubic (the usual table row, lower by
0.2 dB on the demo clips) says.

Scored the way BasicSR's video validation scores a model: each validation
frame's centre LR frame upsampled, tensor2img, every metric of the `val`
section, mean over each clip's frames, then over clips."""
from collections import defaultdict

import torch

from basicsr.data import build_dataset
from basicsr.metrics import calculate_metric
from basicsr.utils import tensor2img
from std_plugin.archs.bicubic_residual import bicubic_upsample
from std_plugin.evaluation.compare_budget import val_phases


def clip_means(per_frame):
    """{clip: [values]} -> mean over each clip's frames, then over clips."""
    means = [sum(v) / len(v) for v in per_frame.values()]
    return sum(means) / len(means)


def bicubic_scores(dataset_opt, scale, metric_opts):
    """{metric: value} of PyTorch bicubic on one validation dataset."""
    dataset = build_dataset(dict(dataset_opt, phase='val', scale=scale))
    per_frame = {name: defaultdict(list) for name in metric_opts}
    for i in range(len(dataset)):
        item = dataset[i]
        lq = item['lq']
        centre = lq[lq.shape[0] // 2] if lq.dim() == 4 else lq
        with torch.no_grad():
            sr = bicubic_upsample(centre.unsqueeze(0), scale)
        data = dict(img=tensor2img([sr]), img2=tensor2img([item['gt']]))
        for name, opt in metric_opts.items():
            per_frame[name][item['folder']].append(calculate_metric(data, opt))
    return {name: clip_means(values) for name, values in per_frame.items()}


def references(opt):
    """{validation dataset name: {metric: value}} for every val phase of opt."""
    return {opt['datasets'][phase]['name']: {k: float(v) for k, v in bicubic_scores(
        opt['datasets'][phase], opt['scale'], opt['val']['metrics']).items()} for phase in val_phases(opt)}
