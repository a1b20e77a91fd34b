"""VSRNet (Kappeler, Yoo, Dai, Katsaggelos, "Video Super-Resolution With
Convolutional Neural Networks", IEEE TCI 2016) as a 7-frame STD student.

As in the paper: SRCNN's three layers (9x9 conv to 64 channels, ReLU, 5x5 conv
to 32, ReLU, 5x5 conv to the output) on bicubic-upsampled frames, with the
paper's architecture (b), its best: the first layer runs on every frame
separately and the 64-channel maps are concatenated before the second layer.
The first layer uses the paper's filter symmetry enforcement (FSE): frames
t-d and t+d share one filter bank, so 2k+1 frames have k+1 banks.

Departures, and why:
- No motion compensation. VSRNet aligns the neighbours beforehand with an
  external, non-differentiable variational optical flow (Drulea and
  Nedevschi's) and its adaptive motion compensation; nothing like it exists in PyTorch, and
  STD builds its windows on the fly from training clips. The network sees the
  raw neighbours, like FastDVDnet-VSR and DUF, and has to learn to fuse them;
  expect it to gain less from extra frames than the paper's motion-compensated
  VSRNet.
- 7 frames, as in the STD supplement's table (the paper uses 3 or 5);
  `num_frame` is any odd number.
- Global bicubic residual: the network predicts HR - bicubic(centre) (SRCNN
  predicts the image). Zero 'same' padding instead of valid convolutions, so
  the output has the full frame size. RGB instead of luminance. He
  initialisation instead of SRCNN's N(0, 0.001) and image pre-training, which
  suited a 3-layer net trained with plain SGD.

F^SR is the output of `conv2`: the fused 32-channel map at HR resolution,
after ReLU, the last hidden layer.

Cost at 180x120 input (x4, 7 frames, 720x480): 0.162 T multiply-adds (first
layer 7 x 3 x 81 x 64, second 448 x 25 x 32, third 32 x 25 x 3 per HR pixel).
The STD supplement lists 0.23 T; no SRCNN-style fusion variant of the paper
gives that (architecture (a) 0.056 T, (c) 0.167 T).
"""
import torch
import torch.nn.functional as F
from torch import nn

from basicsr.archs.arch_util import default_init_weights
from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.archs.bicubic_residual import bicubic_upsample
from std_plugin.archs.conv_relu import conv_relu
from std_plugin.archs.frame_window import centre_index


class SymmetricFrameConv(nn.Module):
    """One conv per frame, frames t-d and t+d sharing weights (VSRNet's FSE).

    (B, T*C_in, H, W) -> (B, T*C_out, H, W). Run as ONE grouped convolution
    (a group per frame) whose weight is gathered from the k+1 banks, so the
    tying costs nothing and every bank gets the gradient of both its frames."""

    def __init__(self, num_frame, in_ch, out_ch, kernel_size):
        super().__init__()
        self.num_frame = num_frame
        self.banks = nn.ModuleList(nn.Conv2d(in_ch, out_ch, kernel_size) for _ in range(num_frame // 2 + 1))
        self.padding = kernel_size // 2

    def forward(self, x):
        centre = self.num_frame // 2
        banks = [self.banks[abs(i - centre)] for i in range(self.num_frame)]
        weight = torch.cat([bank.weight for bank in banks])
        bias = torch.cat([bank.bias for bank in banks])
        return F.conv2d(x, weight, bias, padding=self.padding, groups=self.num_frame)


@ARCH_REGISTRY.register()
class VSRNet(nn.Module):
    """Input (B, num_frame, C, h, w); output (B, C, scale*h, scale*w)."""

    fsr_layer = 'conv2'

    def __init__(self, num_in_ch=3, num_out_ch=3, num_frame=7, num_feat=64, num_fuse_feat=32,
                 kernel_sizes=(9, 5, 5), scale=4):
        super().__init__()
        if num_frame < 1 or num_frame % 2 != 1:
            raise ValueError(f'VSRNet needs an odd num_frame, got {num_frame}')
        self.num_frame = num_frame
        self.scale = scale
        k1, k2, k3 = kernel_sizes
        self.conv1 = SymmetricFrameConv(num_frame, num_in_ch, num_feat, k1)
        self.conv2 = conv_relu(num_frame * num_feat, num_fuse_feat, k2)
        self.conv3 = nn.Conv2d(num_fuse_feat, num_out_ch, k3, 1, k3 // 2)
        default_init_weights([self.conv1, self.conv2, self.conv3])

    def forward(self, x):
        centre = centre_index(x, self.num_frame, 'VSRNet')
        b, t, c, h, w = x.shape
        upsampled = bicubic_upsample(x.reshape(b * t, c, h, w), self.scale)
        upsampled = upsampled.view(b, t * c, self.scale * h, self.scale * w)
        feat = self.conv2(F.relu(self.conv1(upsampled), inplace=True))
        return self.conv3(feat) + upsampled[:, centre * c:(centre + 1) * c]
