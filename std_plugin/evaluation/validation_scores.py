"""Scoring any predictor on a validation dataset the way BasicSR's video
validation scores a model: each item's LR window in, tensor2img of the
prediction and of the GT frame, every metric of the `val` section, mean over
each clip's frames, then over clips. The bicubic reference row and the
held-out-clip benchmark score through it, so their numbers line up with the
validation histories of the runs."""
from collections import defaultdict

import torch

from basicsr.data import build_dataset
from basicsr.metrics import calculate_metric
from basicsr.utils import tensor2img


def clip_means(per_frame):
    """{clip: [values]} -> mean over each clip's frames, then over clips."""
    means = [sum(v) / len(v) for v in per_frame.values()]
    return sum(means) / len(means)


def validation_scores(dataset_opt, scale, metric_opts, predict):
    """{metric: value} of predict(lq of one item, batch of 1) -> SR on one
    validation dataset."""
    dataset = build_dataset(dict(dataset_opt, phase='val', scale=scale))
    per_frame = {name: defaultdict(list) for name in metric_opts}
    for i in range(len(dataset)):
        item = dataset[i]
        with torch.no_grad():
            sr = predict(item['lq'].unsqueeze(0))
        data = dict(img=tensor2img([sr]), img2=tensor2img([item['gt']]))
        for name, opt in metric_opts.items():
            per_frame[name][item['folder']].append(calculate_metric(data, opt))
    return {name: clip_means(values) for name, values in per_frame.items()}
