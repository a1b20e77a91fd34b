"""STDModel: Space-Time Distillation through BasicSR's own training pipeline.

One iteration: clip (B, N) -> B*N sliding windows -> student once
and teacher once on all windows -> Charbonnier on the N outputs, space
distillation on the attention maps of F^SR, time distillation on the final
memory cells of the shared ConvLSTM run over the N F^SR maps of each network.
Without `network_t` the same model trains the student alone on the same clips:
the baseline.
"""
from collections import OrderedDict

import torch

from basicsr.losses import build_loss
from basicsr.utils import get_root_logger
from basicsr.utils.dist_util import master_only
from basicsr.utils.registry import MODEL_REGISTRY
from std_plugin.archs.network_spec import frame_count
from std_plugin.distill import clip_teacher
from std_plugin.distill.distill_diagnostics import frame_shares, gradient_shares, input_sensitivity
from std_plugin.distill.probes import check_probes, probe
from std_plugin.core.taps import FeatureTap
from std_plugin.distill.teacher import build_teacher
from std_plugin.distill.temporal_gain import start_check
from std_plugin.distill.temporal_memory import build_adapter, build_temporal_memory
from std_plugin.core.windows import clip_to_windows, windows_to_clip
from std_plugin.losses.temporal_memory_loss import drop_gradients, freeze, is_frozen
from std_plugin.models.robust_video_base_model import RobustVideoBaseModel
from std_plugin.core.checkpoints import load_state, read_checkpoint, select_params
from std_plugin.core.ddp import unwrap
from std_plugin.core.errors import OptionError
from std_plugin.training.precision import autocast, check_precision


@MODEL_REGISTRY.register()
class STDModel(RobustVideoBaseModel):
    """Options on top of RobustVideoBaseModel's (see options/std_fastdvd.yml):
    network_t + path.pretrain_network_t: the frozen teacher (optional);
    network_lstm (+ path.pretrain_network_lstm): the shared ConvLSTM;
    distill: {student_layer, teacher_layer, teacher_kind, teacher_chunk, teacher_autocast, freeze_lstm};
    train.sd_opt / train.td_opt: SpatialAttentionLoss / TemporalMemoryLoss.
    """
    # Set up in init_training_settings; a test-mode model has none of them.
    net_t = net_lstm = net_adapter = None
    reads_clips = False  # a clip teacher (distill.teacher_kind)

    def build_training_networks(self):
        self.distill_opt = self.opt.get('distill') or {}
        if self.opt.get('network_t'):
            self.init_distillation()

    def memory_format_networks(self):
        return [n for n in (self.net_g, self.net_t, self.net_lstm, self.net_adapter) if n is not None]

    def init_distillation(self):
        train_opt = self.opt['train']
        self.net_t = build_teacher(self.opt, self.device)
        self.teacher_autocast = check_precision(self.distill_opt.get('teacher_autocast'), 'distill.teacher_autocast')
        self.warn_precision(self.teacher_autocast, 'distill.teacher_autocast')
        # A clip teacher (BasicVSR, ...) reads whole clips: it has no window (clip_teacher.py).
        self.reads_clips = clip_teacher.teacher_kind(self.opt, self.net_t, self.device) == 'clip'
        self.window_t = None if self.reads_clips else frame_count(self.opt['network_t'], self.net_t, 'network_t')
        layer_s = self.distill_opt.get('student_layer') or getattr(unwrap(self.net_g), 'fsr_layer', None)
        layer_t = self.distill_opt.get('teacher_layer') or getattr(self.net_t, 'fsr_layer', 'conv_hr')
        if layer_s is None:
            raise OptionError('distill.student_layer is required: network_g names no F^SR layer (fsr_layer)')
        size = clip_teacher.probe_size(self.opt)
        shapes_s = probe(self.net_g, layer_s, self.window_s, self.device, size)
        shapes_t = clip_teacher.probe_clip(self.net_t, layer_t, clip_teacher.clip_frames(self.opt), self.device,
                                           size) if self.reads_clips else \
            probe(self.net_t, layer_t, self.window_t, self.device, size)
        check_probes(self.opt, shapes_s, shapes_t, size)
        self.tap_s = FeatureTap(self.net_g, layer_s)
        self.tap_t = FeatureTap(self.net_t, layer_t)
        self.cri_sd = build_loss(train_opt['sd_opt']).to(self.device) if train_opt.get('sd_opt') else None
        self.cri_td = build_loss(train_opt['td_opt']).to(self.device) if train_opt.get('td_opt') else None
        if self.cri_td is not None:
            self.init_temporal_memory(shapes_s[1][1], shapes_t[1][1])
            if not self.reads_clips:
                self.log_teacher_check()

    @master_only
    def log_teacher_check(self):
        """One line: the teacher's temporal gain, a warning when TD has little to carry."""
        checked = start_check(self.opt, self.net_t, self.device)
        self.tap_t.clear()  # the check's forwards must not reach the first iteration's teacher features
        if checked is not None:
            gain, warning = checked
            logger = get_root_logger()
            if warning:
                logger.warning(f'{warning} (distill.teacher_check; std-teacher-check measures it in full)')
            else:
                logger.info(f'teacher check: the teacher gains {gain:+.2f} dB from its neighbour frames')

    def init_temporal_memory(self, ch_s, ch_t):
        """The ONE ConvLSTM shared by both networks, fed at the teacher's width; a
        1x1 adapter maps the student's F^SR to it when widths differ.

        By default neither is trained on L_TD (`distill.freeze_lstm`,
        `distill.adapter: fixed`): measured, a ConvLSTM optimised on L_TD learns to
        ignore its input and a trained adapter alone removes 92% of L_TD, so the
        student stops being taught. Fixed, only the student can close the gap.
        """
        self.net_lstm = build_temporal_memory(self.opt, ch_t).to(self.device)
        if ch_s != ch_t:
            self.net_adapter = build_adapter(ch_s, ch_t, self.distill_opt.get('adapter', 'fixed')).to(self.device)
        path_opt = self.opt['path']
        if path_opt.get('pretrain_network_lstm'):
            self.load_temporal_memory(path_opt['pretrain_network_lstm'])
        # Default: fixed (random, or pretrained as in supplement Table 1 (b)). With
        # `freeze_lstm: false` (the paper's (a) and (c)) it is optimised with the
        # student, and the collapse guard may freeze it later (the `frozen` buffer,
        # loaded with the weights, keeps that decision over a resume).
        if self.distill_opt.get('freeze_lstm', True):
            freeze(self.net_lstm)
            self.net_lstm.requires_grad_(False)
        self.net_lstm = self.model_to_device(self.net_lstm)
        if self.net_adapter is not None:
            self.net_adapter = self.model_to_device(self.net_adapter)

    def load_temporal_memory(self, path):
        """ConvLSTM from `params`; the adapter from `params_adapter` when the file has
        one (a checkpoint of this run), else it keeps its fresh init (a ConvLSTM
        pretrained on teacher features alone has no adapter)."""
        ckpt = read_checkpoint(path, 'path.pretrain_network_lstm')
        load_state(self.net_lstm, select_params(ckpt, path, 'params', 'path.pretrain_network_lstm'), path,
                   self.opt['path'].get('strict_load_lstm', True), 'path.pretrain_network_lstm')
        if self.net_adapter is not None and 'params_adapter' in ckpt:
            load_state(self.net_adapter, ckpt['params_adapter'], path, True, 'path.pretrain_network_lstm adapter')

    def trainable_networks(self):
        return [n for n in (self.net_g, self.net_lstm, self.net_adapter) if n is not None]

    def extra_networks_to_save(self):
        """The ConvLSTM, with the adapter under params_adapter when there is one."""
        if self.net_lstm is None:
            return []
        if self.net_adapter is None:
            return [('net_lstm', [self.net_lstm], ['params'])]
        return [('net_lstm', [self.net_lstm, self.net_adapter], ['params', 'params_adapter'])]

    def teacher_features(self, lq):
        """Teacher F^SR (fp32) on all windows of the clip, without autograd, in
        chunks of `distill.teacher_chunk` windows (0: all at once); a clip
        teacher runs once per clip, in chunks of `teacher_chunk` clips."""
        if self.reads_clips:
            return clip_teacher.clip_features(self.net_t, self.tap_t, lq, self.distill_opt.get('teacher_chunk'),
                                              self.device, self.teacher_autocast)
        self.run_window_teacher(lq)
        return self.tap_t.take().float()

    def run_window_teacher(self, clip):
        """The teacher on every window of the clip (its taps record), without
        autograd, in chunks of `distill.teacher_chunk` windows (0: all at once)."""
        windows = clip_to_windows(clip, self.window_t)
        chunk = self.distill_opt.get('teacher_chunk') or windows.shape[0]
        self.net_t.eval()
        with torch.no_grad(), autocast(self.device, self.teacher_autocast):
            for part in windows.split(chunk):
                self.net_t(part)

    def optimize_parameters(self, current_iter):
        self.optimizer_g.zero_grad()
        loss_dict = OrderedDict()
        with autocast(self.device, self.autocast):
            sr = self.net_g(clip_to_windows(self.lq, self.window_s))
            loss_dict['l_pix'] = self.cri_pix(sr.float(), self.gt.flatten(0, 1))
            if self.net_t is not None:
                feat_s, feat_t = self.tap_s.take(), self.teacher_features(self.lq)
                loss_dict.update(self.distillation_losses(feat_s, feat_t))
        diagnostics = None if self.net_t is None else lambda: self.diagnostics(feat_s, feat_t, loss_dict)
        self.finish_step(loss_dict, current_iter, diagnostics)

    def before_step(self):
        if self.net_lstm is not None and is_frozen(self.net_lstm):
            drop_gradients(self.net_lstm)  # frozen by the collapse guard: the optimizer must not move it

    def distillation_losses(self, feat_s, feat_t):
        """{'l_sd', 'l_td'}: the distillation terms configured, weighted."""
        losses = {}
        if self.cri_sd is not None:
            losses['l_sd'] = self.cri_sd(feat_s, feat_t)
        if self.cri_td is not None:
            batch = self.lq.shape[0]
            losses['l_td'] = self.cri_td(self.net_lstm, windows_to_clip(self.adapted(feat_s), batch),
                                         windows_to_clip(feat_t, batch))
        return losses

    def adapted(self, feat_s):
        return feat_s if self.net_adapter is None else self.net_adapter(feat_s)

    def diagnostics(self, feat_s, feat_t, loss_dict):
        """Logged at the print frequency (README, "Watching distillation"): each
        distillation term's share of the gradient at the student's F^SR, the
        ConvLSTM's input sensitivity and each frame's share of it."""
        shares = gradient_shares(loss_dict, feat_s)
        out = {f'distill/share_{name[2:]}': torch.tensor(v) for name, v in shares.items() if name != 'l_pix'}
        if self.cri_td is not None:
            seq = windows_to_clip(feat_t, self.lq.shape[0])
            seq = seq / self.cri_td.scale(seq)
            out['distill/td_sensitivity'] = torch.tensor(input_sensitivity(unwrap(self.net_lstm), seq))
            for t, share in enumerate(frame_shares(unwrap(self.net_lstm), seq)):
                out[f'distill/td_frame{t}'] = torch.tensor(share)
        return out

    def test(self):
        super().test()
        if self.net_t is not None:
            self.tap_s.clear()  # validation forwards must not pile up features for training
