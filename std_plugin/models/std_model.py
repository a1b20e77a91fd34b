"""STDModel: Space-Time Distillation through BasicSR's own training pipeline.

One iteration (DESIGN.md): clip (B, N) -> B*N sliding windows -> student once
and teacher once on all windows -> Charbonnier on the N outputs, space
distillation on the attention maps of F^SR, time distillation on the final
memory cells of the shared ConvLSTM run over the N F^SR maps of each network.
Without `network_t` the same model trains the student alone on the same clips:
the baseline.
"""
from collections import Counter, OrderedDict

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from basicsr.archs import build_network
from basicsr.losses import build_loss
from basicsr.models.video_base_model import VideoBaseModel
from basicsr.utils import get_root_logger
from basicsr.utils.dist_util import master_only
from basicsr.utils.registry import MODEL_REGISTRY
from std_plugin.archs.network_spec import frames_per_output
from std_plugin.distill import clip_teacher
from std_plugin.distill.distill_diagnostics import frame_shares, gradient_shares, input_sensitivity
from std_plugin.distill.taps import FeatureTap
from std_plugin.training.distributed import unwrap
from std_plugin.distill.teacher import build_teacher
from std_plugin.distill.temporal_gain import start_check
from std_plugin.distill.windows import clip_to_windows, windows_to_clip
from std_plugin.losses.temporal_memory_loss import drop_gradients, freeze, is_frozen
from std_plugin.training.atomic_save import staged
from std_plugin.training.checkpoints import load_state, load_weights, read_checkpoint, select_params
from std_plugin.training.errors import InputError, NonFiniteLoss, OptionError
from std_plugin.training.option_schema import ADAPTERS, check_choice
from std_plugin.training.precision import attach_grad_scaler, autocast, check_precision, cpu_bf16_warning
from std_plugin.training.resume import last_checkpoint_note
from std_plugin.training.sample_seeds import add_rng_states
from std_plugin.training.val_history import record_validation


def frame_count(net_opt, net, key):
    """Frames a network reads per output (std-infer's rule), or an error naming the option key."""
    try:
        return frames_per_output(unwrap(net), net_opt)
    except InputError:
        raise OptionError(f'{key}.num_frame is required: cannot tell how many frames {net_opt["type"]} reads') \
            from None


def build_temporal_memory(opt, ch_t):
    """The shared ConvLSTM of `network_lstm` (default: hidden 16), fed at the
    teacher's F^SR width `ch_t`."""
    lstm_opt = dict(opt.get('network_lstm') or {'type': 'PeepholeConvLSTM', 'hidden_dim': 16})
    lstm_opt.setdefault('input_dim', ch_t)
    if lstm_opt['input_dim'] != ch_t:
        raise OptionError(f'network_lstm.input_dim is {lstm_opt["input_dim"]} but the teacher F^SR has {ch_t} '
                          'channels')
    return build_network(lstm_opt)


def broadcast_from_rank0(net):
    """Rank 0's parameters and buffers on every rank, as DDP does when it wraps."""
    for tensor in list(net.parameters()) + list(net.buffers()):
        torch.distributed.broadcast(tensor.data, src=0)
    return net


def build_adapter(ch_s, ch_t, mode):
    """1x1 conv from the student's F^SR width to the teacher's. 'fixed': an
    orthonormal map (distances between student features are kept), never
    trained; 'trained': optimised with the student on L_TD (it then absorbs
    most of the difference the student should close)."""
    check_choice('distill.adapter', mode, ADAPTERS)
    adapter = nn.Conv2d(ch_s, ch_t, 1, bias=mode == 'trained')
    nn.init.orthogonal_(adapter.weight)
    return adapter.requires_grad_(mode == 'trained')


def probe(net, path, window, device, size=16):
    """(output, F^SR) shapes of one tiny forward (eval mode, so BatchNorm
    statistics are untouched): checks the scale and sizes the adapter before
    any training step."""
    was_training = net.training
    with FeatureTap(net, path) as tap, torch.no_grad():
        net.eval()
        out = net(torch.zeros(1, window, 3, size, size, device=device))
        feat = tap.take()
    net.train(was_training)
    return out.shape, feat.shape


def check_probes(opt, shapes_s, shapes_t, size=16):
    (out_s, feat_s), (out_t, feat_t) = shapes_s, shapes_t
    hr = opt['scale'] * size
    for key, out in (('network_g', out_s), ('network_t', out_t)):
        if tuple(out[-2:]) != (hr, hr):
            raise OptionError(f'{key} turns {size}x{size} into {out[-2]}x{out[-1]}, not x{opt["scale"]} (scale)')
    if feat_s[-2:] != feat_t[-2:]:
        raise OptionError(f'F^SR sizes differ: distill.student_layer gives {tuple(feat_s[1:])}, '
                          f'distill.teacher_layer gives {tuple(feat_t[1:])} (C, H, W) for the same input')


@MODEL_REGISTRY.register()
class STDModel(VideoBaseModel):
    """Options on top of VideoBaseModel's (see options/std_fastdvd.yml):
    network_t + path.pretrain_network_t: the frozen teacher (optional);
    network_lstm (+ path.pretrain_network_lstm): the shared ConvLSTM;
    distill: {student_layer, teacher_layer, teacher_kind, teacher_chunk, teacher_autocast, freeze_lstm};
    train.sd_opt / train.td_opt: SpatialAttentionLoss / TemporalMemoryLoss;
    train.autocast (bf16 | fp16 with a gradient scaler), train.channels_last,
    train.compile (torch.compile of the student); sync_bn (distributed, GPU).
    """
    # Set up in init_training_settings; a test-mode model has none of them.
    net_t = net_lstm = net_adapter = scaler = None
    reads_clips = False  # a clip teacher (distill.teacher_kind)

    def load_network(self, net, load_path, strict=True, param_key='params'):
        """BasicSR's loader unpickles anything; ours is weights_only with clear errors."""
        load_weights(net, load_path, param_key, strict, what=f'checkpoint of {type(unwrap(net)).__name__}')

    def model_to_device(self, net):
        """BasicSR's DDP wrapping passes a CUDA device id: on CPU (gloo) wrap without
        one. With several GPUs, BatchNorm becomes SyncBatchNorm (opt `sync_bn`) so
        that a distributed run normalises over the global batch like a single one."""
        if not any(p.requires_grad for p in net.parameters()):
            # Fixed (a frozen ConvLSTM, a fixed adapter): DDP refuses a network with
            # nothing to train, but its random init must still be rank 0's everywhere
            # (BasicSR seeds each rank differently).
            return broadcast_from_rank0(net.to(self.device)) if self.opt['dist'] else net.to(self.device)
        if not self.opt['dist']:
            return super().model_to_device(net)
        if self.device.type == 'cpu':
            return DistributedDataParallel(net.to(self.device),
                                           find_unused_parameters=self.opt.get('find_unused_parameters', False))
        if self.opt.get('sync_bn', True):
            net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
        return super().model_to_device(net)

    def init_training_settings(self):
        self.distill_opt = self.opt.get('distill') or {}
        self.window_s = frame_count(self.opt['network_g'], self.net_g, 'network_g')
        train_opt = self.opt['train']
        self.autocast = check_precision(train_opt.get('autocast'), 'train.autocast')
        self.warn_precision(self.autocast, 'train.autocast')
        if self.opt.get('network_t'):
            self.init_distillation()
        self.apply_memory_format()
        super().init_training_settings()  # EMA, cri_pix, optimizer (setup_optimizers below), schedulers
        self.scaler = attach_grad_scaler(self.optimizer_g, self.device) if self.autocast == 'fp16' else None
        if train_opt.get('compile'):
            unwrap(self.net_g).compile()  # in place: state_dict keys and taps stay as they are

    def apply_memory_format(self):
        if self.opt['train'].get('channels_last'):
            for net in (self.net_g, self.net_t, self.net_lstm, self.net_adapter):
                if net is not None:
                    net.to(memory_format=torch.channels_last)

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
    def warn_precision(self, name, key):
        warning = cpu_bf16_warning(self.device, name, key)
        if warning:
            get_root_logger().warning(warning)

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

    def setup_optimizers(self):
        """One optimizer over student + ConvLSTM (+ adapter) (supplement Table 1 (a))."""
        train_opt = self.opt['train']
        params = [p for net in self.trainable_networks() for p in net.parameters() if p.requires_grad]
        optim_opt = dict(train_opt['optim_g'])
        self.optimizer_g = self.get_optimizer(optim_opt.pop('type'), params, **optim_opt)
        self.optimizers.append(self.optimizer_g)

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
        l_total = sum(loss_dict.values())
        self.check_finite(l_total, loss_dict, current_iter)
        if self.net_t is not None and self.logs_at(current_iter):
            loss_dict.update(self.diagnostics(feat_s, feat_t, loss_dict))
        self.backward_and_step(l_total)
        self.log_dict = self.reduce_loss_dict(loss_dict)
        if self.ema_decay > 0:
            self.model_ema(decay=self.ema_decay)

    def model_ema(self, decay=0.999):
        """BasicSR's EMA averages parameters only: the EMA copy's BatchNorm running
        statistics would stay those of its construction (zero mean, unit variance),
        and validation of net_g_ema (eval mode) would normalise with them. The
        buffers are copied from the student: running statistics are already a
        moving average over batches, and an EMA of them at `decay` would lag
        thousands of iterations behind."""
        super().model_ema(decay)
        student = dict(self.get_bare_model(self.net_g).named_buffers())
        with torch.no_grad():
            for name, buf in self.net_g_ema.named_buffers():
                buf.copy_(student[name])

    def backward_and_step(self, loss):
        if self.scaler is not None:
            loss = self.scaler.scale(loss)
        loss.backward()
        if self.net_lstm is not None and is_frozen(self.net_lstm):
            drop_gradients(self.net_lstm)
        if self.scaler is None:
            self.optimizer_g.step()
        else:
            self.scaler.step(self.optimizer_g)
            self.scaler.update()

    def check_finite(self, loss, loss_dict, current_iter):
        """Stop before a NaN/Inf reaches the weights: the last checkpoint stays the last good one."""
        if not torch.isfinite(loss):
            values = ', '.join(f'{k}={v.item():.4g}' for k, v in loss_dict.items())
            raise NonFiniteLoss(f'non-finite loss at iter {current_iter} ({values}); training stopped, '
                                f'{last_checkpoint_note(self.opt["path"])}')

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

    def logs_at(self, current_iter):
        """Whether BasicSR's logger prints this iteration (diagnostics cost a few backward passes)."""
        freq = (self.opt.get('logger') or {}).get('print_freq')
        return bool(freq) and current_iter % freq == 0

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

    def dist_validation(self, dataloader, current_iter, tb_logger, save_img):
        """VideoBaseModel allocates its metric table on 'cuda', once, for the first
        dataset only; giving it a fresh table on our device for every dataset
        makes it work on CPU and with several validation sets."""
        dataset = dataloader.dataset
        if self.opt['val'].get('metrics') is not None:
            num_metrics = len(self.opt['val']['metrics'])
            self.metric_results = {
                folder: torch.zeros(count, num_metrics, dtype=torch.float32, device=self.device)
                for folder, count in Counter(dataset.data_info['folder']).items()
            }
        super().dist_validation(dataloader, current_iter, tb_logger, save_img)
        record_validation(self, dataset.opt['name'], current_iter)  # <experiments_root>/val_metrics.jsonl

    def nondist_validation(self, dataloader, current_iter, tb_logger, save_img):
        self.dist_validation(dataloader, current_iter, tb_logger, save_img)

    @master_only
    def save_network(self, net, net_label, current_iter, param_key='params'):
        with staged(self.opt['path'], 'models'):
            super().save_network(net, net_label, current_iter, param_key)

    @master_only
    def save_training_state(self, epoch, current_iter):
        with staged(self.opt['path'], 'training_states', expect_files=current_iter != -1):
            super().save_training_state(epoch, current_iter)
            add_rng_states(self.opt['path']['training_states'], current_iter)

    def save(self, epoch, current_iter):
        # The ConvLSTM goes first: the training state written last by super().save()
        # is what --auto_resume looks for, so every network it names exists.
        if self.net_lstm is not None:
            nets, keys = [self.net_lstm], ['params']
            if self.net_adapter is not None:
                nets, keys = nets + [self.net_adapter], keys + ['params_adapter']
            self.save_network(nets, 'net_lstm', current_iter, keys)
        super().save(epoch, current_iter)
