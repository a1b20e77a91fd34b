"""VDSR (Kim, Lee, Lee, "Accurate Image Super-Resolution Using Very Deep
Convolutional Networks", CVPR 2016) as a one-frame STD student.

As in the paper: 20 layers of 3x3 convolutions with 64 channels, ReLU after
every layer but the last, zero padding so that every layer keeps the size,
run on the bicubic-upsampled image (pre-upsampling), and residual learning:
the network predicts HR - bicubic(LR). That residual is exactly the global
bicubic residual shared by all STD networks, so nothing changes there.
He (MSRA) initialisation, as in the paper.

Departures, and why:
- RGB in and out instead of the luminance channel: STD's teacher (EDVR) and
  the other students are RGB, and the distilled features must describe the
  same images.
- One model for x4 only (VDSR trains one model for x2/x3/x4 by mixing
  scales); `scale` picks the factor.
- PyTorch bicubic (not MATLAB's imresize) for the upsampling, as everywhere in
  this package (see bicubic_residual.py).

F^SR is the output of `body` (layers 1-19): the last hidden layer, 64
channels at HR resolution, after its ReLU.

Cost: 20 layers at 720x480 (180x120 input, x4) = 0.231 T multiply-adds per
frame; the STD supplement lists 0.22 T.
"""
from torch import nn

from basicsr.archs.arch_util import default_init_weights
from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.archs.bicubic_residual import bicubic_upsample
from std_plugin.archs.conv_relu import conv_relu_stack
from std_plugin.archs.frame_window import centre_index


@ARCH_REGISTRY.register()
class VDSR(nn.Module):
    """Input (B, 1, C, h, w); output (B, C, scale*h, scale*w)."""

    fsr_layer = 'body'

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_layer=20, scale=4):
        super().__init__()
        self.num_frame = 1
        self.scale = scale
        self.body = conv_relu_stack(num_in_ch, num_feat, num_layer - 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        default_init_weights([self.body, self.conv_last])

    def forward(self, x):
        upsampled = bicubic_upsample(x[:, centre_index(x, self.num_frame, 'VDSR')], self.scale)
        return self.conv_last(self.body(upsampled)) + upsampled
