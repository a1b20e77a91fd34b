"""PISR's teacher for video: the HR encoder, then a decoder with exactly the
student's architecture (any registered arch: FastDVDnetVSR, VDSR, VESPCN,
VSRNet...). The encoder turns every HR frame of the window into its LR-sized
code, so the decoder reads a window of codes exactly as the student reads a
window of LR frames; the imitation loss reads the codes through a tap on
`encoder` (std_plugin.core.taps), so forward() returns the SR frame alone, like
every other network of the project."""
import copy

from torch import nn

from basicsr.archs import build_network
from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.archs.hr_encoder_arch import HREncoder


@ARCH_REGISTRY.register()
class PISRTeacher(nn.Module):
    """Input (B, T, C, H, W) HR window; output (B, C, H, W).

    encoder: HREncoder options (its scale defaults to the decoder's);
    decoder: a network section with `type`, the student's network_g."""

    def __init__(self, decoder, encoder=None):
        super().__init__()
        decoder = copy.deepcopy(dict(decoder))
        encoder = dict(encoder or {})
        encoder.pop('type', None)
        encoder.setdefault('scale', decoder.get('scale', 4))
        self.encoder = HREncoder(**encoder)
        self.decoder = build_network(decoder)
        self.scale = self.encoder.scale
        self.num_frame = getattr(self.decoder, 'num_frame', None)
        fsr = getattr(self.decoder, 'fsr_layer', None)
        self.fsr_layer = f'decoder.{fsr}' if fsr else None

    def forward(self, hr):
        return self.decoder(self.encoder(hr))
