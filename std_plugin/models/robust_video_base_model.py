"""RobustVideoBaseModel: BasicSR 1.4.2's VideoBaseModel with what every model
of this plugin needs on top of it, whatever it trains:

- loading: checkpoints read with weights_only and one clear error per failure;
- placing: DDP on CPU (gloo), SyncBatchNorm with several GPUs, networks with
  nothing to train broadcast from rank 0 instead of wrapped;
- training: the student's window size, train.autocast (bf16, or fp16 with a
  gradient scaler), train.channels_last, train.compile, one optimizer over
  every trainable network, and finish_step, the tail of every step: a NaN/Inf
  loss stops the run before it reaches the weights, backward and step, the
  loss dict reduced over ranks, an EMA that carries BatchNorm statistics;
- validation: the metric table on the model's device (CPU too), for every
  validation set, recorded in val_metrics.jsonl;
- saving: every file staged and renamed into place, the training state with
  the random states, the model's extra networks saved before it.

A subclass builds its extra networks in build_training_networks, names them in
trainable_networks / extra_networks_to_save, computes its losses in
optimize_parameters and ends it with finish_step.
"""
from collections import Counter

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from basicsr.models.video_base_model import VideoBaseModel
from basicsr.utils import get_root_logger
from basicsr.utils.dist_util import master_only
from std_plugin.archs.network_spec import frame_count
from std_plugin.training.atomic_save import staged
from std_plugin.core.checkpoints import load_weights
from std_plugin.core.ddp import broadcast_from_rank0, unwrap
from std_plugin.core.errors import NonFiniteLoss
from std_plugin.training.precision import attach_grad_scaler, check_precision, cpu_bf16_warning
from std_plugin.training.resume import last_checkpoint_note
from std_plugin.training.sample_seeds import add_rng_states
from std_plugin.training.val_history import record_validation


class RobustVideoBaseModel(VideoBaseModel):
    """Options on top of VideoBaseModel's: train.autocast, train.channels_last,
    train.compile; sync_bn (distributed, GPU; default true)."""
    scaler = None  # set in init_training_settings with train.autocast: fp16

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
        train_opt = self.opt['train']
        self.window_s = frame_count(self.opt['network_g'], self.net_g, 'network_g')
        self.autocast = check_precision(train_opt.get('autocast'), 'train.autocast')
        self.warn_precision(self.autocast, 'train.autocast')
        self.build_training_networks()
        self.apply_memory_format()
        super().init_training_settings()  # EMA, cri_pix, optimizer (setup_optimizers below), schedulers
        self.scaler = attach_grad_scaler(self.optimizer_g, self.device) if self.autocast == 'fp16' else None
        if train_opt.get('compile'):
            unwrap(self.net_g).compile()  # in place: state_dict keys and taps stay as they are

    def build_training_networks(self):
        """The networks a model trains or uses beside net_g, built before the
        optimizer is (which takes trainable_networks())."""

    def memory_format_networks(self):
        """The networks train.channels_last converts."""
        return [self.net_g]

    def apply_memory_format(self):
        if self.opt['train'].get('channels_last'):
            for net in self.memory_format_networks():
                net.to(memory_format=torch.channels_last)

    @master_only
    def warn_precision(self, name, key):
        warning = cpu_bf16_warning(self.device, name, key)
        if warning:
            get_root_logger().warning(warning)

    def trainable_networks(self):
        return [self.net_g]

    def setup_optimizers(self):
        """One optimizer over every trainable network (STD: supplement Table 1 (a))."""
        train_opt = self.opt['train']
        params = [p for net in self.trainable_networks() for p in net.parameters() if p.requires_grad]
        optim_opt = dict(train_opt['optim_g'])
        self.optimizer_g = self.get_optimizer(optim_opt.pop('type'), params, **optim_opt)
        self.optimizers.append(self.optimizer_g)

    def finish_step(self, loss_dict, current_iter, diagnostics=None):
        """The tail of a training step whose optimizer_g gradients were zeroed
        and whose weighted losses are in loss_dict: their sum checked finite,
        `diagnostics()` ({name: tensor} to log, computed before backward) added
        at the print frequency, backward and step, the log dict, EMA."""
        loss = sum(loss_dict.values())
        self.check_finite(loss, loss_dict, current_iter)
        if diagnostics is not None and self.logs_at(current_iter):
            loss_dict.update(diagnostics())
        self.backward_and_step(loss)
        self.log_dict = self.reduce_loss_dict(loss_dict)
        if self.ema_decay > 0:
            self.model_ema(decay=self.ema_decay)

    def check_finite(self, loss, loss_dict, current_iter):
        """Stop before a NaN/Inf reaches the weights: the last checkpoint stays the last good one."""
        if not torch.isfinite(loss):
            values = ', '.join(f'{k}={v.item():.4g}' for k, v in loss_dict.items())
            raise NonFiniteLoss(f'non-finite loss at iter {current_iter} ({values}); training stopped, '
                                f'{last_checkpoint_note(self.opt["path"])}')

    def logs_at(self, current_iter):
        """Whether BasicSR's logger prints this iteration (diagnostics cost a few backward passes)."""
        freq = (self.opt.get('logger') or {}).get('print_freq')
        return bool(freq) and current_iter % freq == 0

    def backward_and_step(self, loss):
        if self.scaler is not None:
            loss = self.scaler.scale(loss)
        loss.backward()
        self.before_step()
        if self.scaler is None:
            self.optimizer_g.step()
        else:
            self.scaler.step(self.optimizer_g)
            self.scaler.update()

    def before_step(self):
        """Between backward and the optimizer step: a model's own gradient edits."""

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

    def extra_networks_to_save(self):
        """[(label, network or list of networks, param key or list of keys)] saved
        as <label>_<iter>.pth beside net_g (BasicSR's save_network arguments)."""
        return []

    def save(self, epoch, current_iter):
        # Extra networks first: the training state written last by super().save()
        # is what --auto_resume looks for, so every network it names exists.
        for label, nets, keys in self.extra_networks_to_save():
            self.save_network(nets, label, current_iter, keys)
        super().save(epoch, current_iter)
