"""PISRTeacherModel: the first stage of PISR (Lee et al., ECCV 2020) for video,
through BasicSR's own training pipeline.

network_g is a PISRTeacher (HR encoder + a decoder with the student's
architecture). One iteration: the clip's GT frames (B, N) -> B*N sliding
windows of HR frames -> encoder codes -> decoder -> SR; the loss is
Charbonnier(SR, HR) + the imitation loss between the codes (read through a
tap on `encoder`) and the real LR windows. Validation and test read the HR
window of each frame (VideoHRWindowTestDataset); metrics, saving, resuming,
precision and distributed training are RobustVideoBaseModel's.
"""
from collections import OrderedDict

import torch

from basicsr.losses import build_loss
from basicsr.utils.registry import MODEL_REGISTRY
from std_plugin.training.pisr_options import HR_WINDOW_DATASET
from std_plugin.core.taps import FeatureTap
from std_plugin.core.windows import clip_to_windows
from std_plugin.models.robust_video_base_model import RobustVideoBaseModel
from std_plugin.core.errors import OptionError
from std_plugin.training.precision import autocast


@MODEL_REGISTRY.register()
class PISRTeacherModel(RobustVideoBaseModel):
    """Options on top of RobustVideoBaseModel's (see options/train/pisr_teacher_fastdvd.yml):
    network_g: PISRTeacher {encoder: HREncoder options, decoder: the student's network_g};
    train.pixel_opt (on HR) and train.imitation_opt (ImitationLoss)."""
    tap_code = None
    gt_window = None

    def init_training_settings(self):
        self.cri_imitation = build_loss(self.opt['train']['imitation_opt']).to(self.device)
        self.tap_code = FeatureTap(self.net_g, 'encoder')
        super().init_training_settings()

    def feed_data(self, data):
        super().feed_data(data)
        window = data.get('gt_window')
        if window is not None and window.dim() == 4:
            window = window.unsqueeze(0)  # VideoBaseModel validates item by item, adding the batch dim to lq/gt only
        self.gt_window = None if window is None else window.to(self.device)

    def optimize_parameters(self, current_iter):
        self.optimizer_g.zero_grad()
        with autocast(self.device, self.autocast):
            sr = self.net_g(clip_to_windows(self.gt, self.window_s))
            code = self.tap_code.take()
            loss_dict = OrderedDict(l_pix=self.cri_pix(sr.float(), self.gt.flatten(0, 1)),
                                    l_imit=self.cri_imitation(code.float(), clip_to_windows(self.lq, self.window_s)))
        self.finish_step(loss_dict, current_iter)

    def test(self):
        """SR of the centre frame from its HR window (the teacher's privileged input)."""
        if self.gt_window is None:
            raise OptionError(f'{type(self).__name__} validates and tests on HR windows: the dataset must be '
                              f'{HR_WINDOW_DATASET} (it gives gt_window)')
        net = self.net_g_ema if hasattr(self, 'net_g_ema') else self.net_g
        net.eval()
        with torch.no_grad():
            self.output = net(self.gt_window)
        self.net_g.train()
        if self.tap_code is not None:
            self.tap_code.clear()  # validation forwards must not pile up codes for training
