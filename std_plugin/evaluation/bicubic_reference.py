"""The score a video SR student starts from: every STD network adds its
residual to the PyTorch bicubic upsampling of the centre frame
(archs/bicubic_residual.py), so until it learns a residual it scores exactly
that. std-compare reports it beside the arms: a student at this line has not
started learning, whatever MATLAB bicubic (the usual table row, lower by
0.2 dB on the demo clips) says.

Scored the way BasicSR's video validation scores a model: each validation
frame's centre LR frame upsampled, tensor2img, every metric of the `val`
section, mean over each clip's frames, then over clips."""
import os

from std_plugin.archs.bicubic_residual import bicubic_upsample
from std_plugin.evaluation.compare_budget import val_phases
from std_plugin.evaluation.validation_scores import validation_scores


def centre_bicubic(scale):
    """lq (a window of frames, or one frame) -> PyTorch bicubic of its centre frame."""
    def predict(lq):
        centre = lq[:, lq.shape[1] // 2] if lq.dim() == 5 else lq
        return bicubic_upsample(centre, scale)
    return predict


def bicubic_scores(dataset_opt, scale, metric_opts):
    """{metric: value} of PyTorch bicubic on one validation dataset."""
    return validation_scores(dataset_opt, scale, metric_opts, centre_bicubic(scale))


ROOTED_KEYS = ('dataroot_gt', 'dataroot_lq', 'meta_info_file')


def rooted(dataset_opt, root):
    """The dataset's relative paths read from root, as the training runs (started
    in root) read them, whatever this process's current folder."""
    return dict(dataset_opt, **{k: os.path.join(root, dataset_opt[k]) for k in ROOTED_KEYS if dataset_opt.get(k)})


def references(opt, root='.'):
    """{validation dataset name: {metric: value}} for every val phase of opt,
    its relative paths read from root."""
    return {opt['datasets'][phase]['name']: {k: float(v) for k, v in bicubic_scores(
        rooted(opt['datasets'][phase], root), opt['scale'], opt['val']['metrics']).items()}
        for phase in val_phases(opt)}
