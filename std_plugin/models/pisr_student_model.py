"""PISRStudentModel: the second stage of PISR (Lee et al., ECCV 2020) for video.

The teacher (network_t: a trained PISRTeacher, frozen as in STD) reads the
HR windows of the clip; the student (network_g, exactly the teacher decoder's
architecture) reads the LR windows. Before the first iteration the modules
named in `distill.init_modules` are copied from the teacher's decoder to the
student (not on a resume: the checkpoint has them). Loss:

    Charbonnier(SR, HR) + VID(student features, teacher decoder features)

on the features named by module path in `distill.vid_layers` (student paths;
the teacher's are the same under `decoder.`), read through taps. The VID
regressor (network_vid) is trained with the student and saved/resumed as
net_vid, as STDModel does with its ConvLSTM. Without network_t the model is
STDModel's baseline.
"""
from collections import OrderedDict

import torch

from basicsr.archs import build_network
from basicsr.losses import build_loss
from basicsr.models.video_base_model import VideoBaseModel
from basicsr.utils.registry import MODEL_REGISTRY
from std_plugin.distill.decoder_init import decoder_of, initialise_from_decoder, named_module
from std_plugin.distill.distill_diagnostics import gradient_shares
from std_plugin.distill.probes import probe
from std_plugin.core.taps import FeatureTap
from std_plugin.distill.teacher import build_teacher
from std_plugin.core.windows import clip_to_windows
from std_plugin.models.std_model import STDModel
from std_plugin.core.checkpoints import load_weights
from std_plugin.core.ddp import unwrap
from std_plugin.training.precision import autocast, check_precision

VID_KEY = 'distill.vid_layers'


def layer_taps(net, paths, prefix, what):
    """A FeatureTap per path (prefix + path), each path checked with one line."""
    for path in paths:
        named_module(net, prefix + path, VID_KEY, what)
    return [FeatureTap(net, prefix + path) for path in paths]


def probe_channels(net, paths, window, device):
    """Channels of the feature at each module path, from tiny eval-mode forwards."""
    return [probe(net, path, window, device)[1][1] for path in paths]


@MODEL_REGISTRY.register()
class PISRStudentModel(STDModel):
    """Options on top of STDModel's (see options/train/pisr_fastdvd.yml):
    network_t + path.pretrain_network_t: the trained PISRTeacher;
    distill: {init_modules, vid_layers, teacher_chunk, teacher_autocast};
    network_vid (+ path.pretrain_network_vid): the VIDRegressor; train.vid_opt: VIDLoss."""
    net_vid = None
    taps_s = taps_t = ()

    def init_distillation(self):
        self.net_t = build_teacher(self.opt, self.device)
        self.window_t = self.window_s  # the decoder is the student's architecture
        self.teacher_autocast = check_precision(self.distill_opt.get('teacher_autocast'), 'distill.teacher_autocast')
        if not self.opt['path'].get('resume_state'):
            initialise_from_decoder(self.net_g, decoder_of(self.net_t), self.distill_opt.get('init_modules'))
        layers = self.distill_opt.get('vid_layers') or [unwrap(self.net_g).fsr_layer]
        self.taps_s = layer_taps(self.net_g, layers, '', 'network_g')
        self.taps_t = layer_taps(self.net_t, layers, 'decoder.', 'network_t')
        self.cri_vid = build_loss(self.opt['train']['vid_opt']).to(self.device)
        channels = probe_channels(self.net_g, layers, self.window_s, self.device)
        for tap in self.taps_s:
            tap.clear()  # the probe forwards must not reach the first iteration's features
        self.init_regressor(channels)

    def init_regressor(self, channels):
        vid_opt = dict(self.opt['network_vid'])
        vid_opt.setdefault('channels', channels)
        self.net_vid = build_network(vid_opt).to(self.device)
        path = self.opt['path'].get('pretrain_network_vid')
        if path:  # a resume sets it to models/net_vid_<iter>.pth (BasicSR's check_resume)
            load_weights(self.net_vid, path, 'params', self.opt['path'].get('strict_load_vid', True),
                         'path.pretrain_network_vid')
        self.net_vid = self.model_to_device(self.net_vid)

    def trainable_networks(self):
        return super().trainable_networks() + ([self.net_vid] if self.net_vid is not None else [])

    def teacher_features(self, gt):
        """Teacher decoder features (fp32) on the clip's HR windows, without autograd."""
        self.run_window_teacher(gt)
        return [tap.take().float() for tap in self.taps_t]

    def optimize_parameters(self, current_iter):
        if self.net_t is None:
            return super().optimize_parameters(current_iter)
        self.optimizer_g.zero_grad()
        with autocast(self.device, self.autocast):
            sr = self.net_g(clip_to_windows(self.lq, self.window_s))
            feats_s = [tap.take() for tap in self.taps_s]
            loss_dict = OrderedDict(l_pix=self.cri_pix(sr.float(), self.gt.flatten(0, 1)),
                                    l_vid=self.cri_vid(self.net_vid, [f.float() for f in feats_s],
                                                       self.teacher_features(self.gt)))
        self.finish_step(loss_dict, current_iter, lambda: {
            'distill/share_vid': torch.tensor(gradient_shares(loss_dict, feats_s[0])['l_vid'])})

    def test(self):
        VideoBaseModel.test(self)
        for tap in self.taps_s:
            tap.clear()  # validation forwards must not pile up features for training

    def extra_networks_to_save(self):
        return ([('net_vid', self.net_vid, 'params')] if self.net_vid is not None else []) + \
            super().extra_networks_to_save()
