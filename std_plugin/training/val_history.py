"""Validation history: one JSON line per validation dataset, appended to
<experiments_root>/val_metrics.jsonl after every validation of a training run
(rank 0 only; test runs write none), so curves and comparisons (std-compare)
read numbers instead of parsing logs:

    {"iter": 100, "dataset": "Vid4", "metrics": {"psnr": 27.1, "ssim": 0.80},
     "clips": {"calendar": {"psnr": 22.3, "ssim": 0.71}, ...}}

The values are the ones BasicSR 1.4.2 logs (VideoBaseModel's
_log_validation_metric_values): a clip's value is the mean over its frames,
`metrics` the mean over clips. `iter` is the number of optimisation steps the
validated weights have had: BasicSR's validation after the last step comes
with iteration total_iter + 1 when the run stops inside an epoch; it is
written as total_iter. A resumed run appends to the same file: readers keep
the last line of each (dataset, iter).
"""
import json
import os.path as osp
from collections import defaultdict

import torch

from basicsr.utils.dist_util import get_dist_info

FILE_NAME = 'val_metrics.jsonl'


def clip_values(metric_results, names):
    """{clip: {metric: mean over its frames}}, computed as BasicSR computes it."""
    means = {clip: torch.mean(table, dim=0).cpu() for clip, table in metric_results.items()}
    return {clip: {name: mean[i].item() for i, name in enumerate(names)} for clip, mean in means.items()}


def dataset_values(clips, names):
    """{metric: mean over clips}, summed in BasicSR's order."""
    totals = {name: 0 for name in names}
    for values in clips.values():
        for name in names:
            totals[name] += values[name]
    return {name: total / len(clips) for name, total in totals.items()}


def validation_record(metric_results, names, current_iter, dataset_name):
    clips = clip_values(metric_results, names)
    return {'iter': current_iter, 'dataset': dataset_name, 'metrics': dataset_values(clips, names), 'clips': clips}


def record_validation(model, dataset_name, current_iter):
    """Append the validation just run by a VideoBaseModel to its run's history."""
    opt = model.opt
    names = list((opt.get('val') or {}).get('metrics') or {})
    if not opt.get('is_train') or not names or get_dist_info()[0] != 0:
        return
    current_iter = min(current_iter, opt['train']['total_iter'])
    line = json.dumps(validation_record(model.metric_results, names, current_iter, dataset_name))
    with open(osp.join(opt['path']['experiments_root'], FILE_NAME), 'a') as f:
        f.write(line + '\n')


def read_history(path):
    """{dataset: {iter: record}}, iterations ascending; the last line of each
    (dataset, iter) wins. A missing file is an empty history."""
    history = defaultdict(dict)
    if osp.isfile(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    history[record['dataset']][record['iter']] = record
    return {name: dict(sorted(records.items())) for name, records in history.items()}
