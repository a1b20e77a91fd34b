"""The STDModel that std-bench times, built in-process from an options dict as
BasicSR's train.py would build it, but with random weights (a timing needs no
trained ones) and a random clip batch instead of a dataset.

Loss, ConvLSTM and distillation options are read from options/std_fastdvd.yml
(the headline, shipped as package data through the link beside this file),
so the timed iteration does the work a real run does.
"""
import copy
import os
from dataclasses import dataclass, field
from importlib.resources import files

import torch
import yaml

from basicsr.archs import build_network
from basicsr.models import build_model

CLIP_FRAMES = 7  # a Vimeo90K septuplet: one training clip
SCALE = 4
HEADLINE = files('std_plugin.evaluation.benchmark') / 'std_fastdvd.yml'


def headline_options():
    with open(HEADLINE) as f:
        return yaml.safe_load(f)


def std_options(network_g, workdir, device='cpu', network_t=None, teacher_ckpt=None):
    """Training options for STDModel: the student alone without network_t, STD
    with it. Callers adjust opt['train'] / opt['distill'] for the speed options."""
    headline = headline_options()
    opt = dict(name='std_bench', model_type='STDModel', scale=SCALE, num_gpu=int(torch.device(device).type != 'cpu'),
               manual_seed=0, is_train=True, dist=False, rank=0, world_size=1, network_g=dict(network_g),
               path=dict(pretrain_network_g=None, resume_state=None, models=workdir, training_states=workdir),
               train=dict(ema_decay=0, optim_g=dict(type='Adam', lr=1e-4, weight_decay=0, betas=[0.9, 0.99]),
                          scheduler=dict(type='MultiStepLR', milestones=[10 ** 9], gamma=0.5),
                          pixel_opt=dict(headline['train']['pixel_opt'])),
               distill={})
    if network_t is not None:
        opt['network_t'] = dict(network_t)
        opt['path'].update(pretrain_network_t=teacher_ckpt, param_key_t='params', strict_load_t=True)
        opt['network_lstm'] = dict(headline['network_lstm'])
        opt['distill'] = {k: v for k, v in headline['distill'].items() if k in ('freeze_lstm', 'adapter')}
        opt['distill'].update(student_layer='conv_hr', teacher_layer='conv_hr')
        opt['train'].update(sd_opt=dict(headline['train']['sd_opt']), td_opt=dict(headline['train']['td_opt']))
    return opt


def build_std_model(opt, seed=0):
    torch.manual_seed(seed)  # the same initial student (and ConvLSTM) for the same options
    return build_model(copy.deepcopy(opt))  # BasicSR pops keys out of the options it is given


def write_random_checkpoint(net_opt, path, seed=0):
    """A BasicSR checkpoint ({'params': state_dict}) of a randomly initialised network."""
    torch.manual_seed(seed)
    torch.save({'params': build_network(dict(net_opt)).state_dict()}, path)
    return path


def random_clips(batch, patch, seed=0):
    """{'lq': (B, 7, 3, p, p), 'gt': (B, 7, 3, 4p, 4p)}, the same for the same arguments."""
    gen = torch.Generator().manual_seed(seed)
    return {'lq': torch.rand(batch, CLIP_FRAMES, 3, patch, patch, generator=gen),
            'gt': torch.rand(batch, CLIP_FRAMES, 3, SCALE * patch, SCALE * patch, generator=gen)}


@dataclass
class BenchConfig:
    """Everything a measured part needs; picklable, so it crosses into the
    part's own process."""
    device: str
    batch: int
    patch: int
    network_g: dict
    network_t: dict
    workdir: str
    runs: int
    warmup: int
    train: dict = field(default_factory=dict)    # train.autocast / channels_last / compile
    distill: dict = field(default_factory=dict)  # distill.teacher_autocast / teacher_chunk
    teacher_name: str = 'teacher'  # several teachers (window and clip) share one workdir

    @property
    def teacher_ckpt(self):
        return os.path.join(self.workdir, f'{self.teacher_name}_random.pth')

    def write_teacher(self):
        write_random_checkpoint(self.network_t, self.teacher_ckpt)

    def model(self, distill, train=None, teacher=None):
        """An STDModel fed the benchmark batch: STD when `distill`, else the
        student alone; `train` / `teacher` override the train.* / distill.* options."""
        opt = std_options(self.network_g, self.workdir, self.device,
                          self.network_t if distill else None, self.teacher_ckpt)
        opt['datasets'] = {'train': {'num_frame': CLIP_FRAMES}}  # the clip a clip teacher is probed with
        opt['train'].update(self.train, **(train or {}))
        if distill:
            opt['distill'].update(self.distill, **(teacher or {}))
        model = build_std_model(opt)
        model.feed_data(random_clips(self.batch, self.patch))
        return model
