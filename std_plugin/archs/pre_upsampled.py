"""Networks that work on bicubic-upsampled frames (BasicSR's TOFlow) made to
take the LR window every other video SR network takes, so that inference,
tiling and export treat all networks alike."""
from torch import nn

from std_plugin.archs.bicubic_residual import bicubic_upsample


class PreUpsampled(nn.Module):

    def __init__(self, net, scale):
        super().__init__()
        self.net = net
        self.scale = scale

    def forward(self, x):
        b, t, c, h, w = x.shape
        frames = bicubic_upsample(x.reshape(b * t, c, h, w), self.scale)
        return self.net(frames.view(b, t, c, self.scale * h, self.scale * w))
