"""The plain building block of the early CNN super-resolvers (SRCNN, VDSR,
ESPCN/VESPCN): a 'same'-padded convolution followed by ReLU."""
from torch import nn


def conv_relu(in_ch, out_ch, kernel_size=3, stride=1):
    # Zero 'same' padding keeps the frame size, as VDSR does; SRCNN/VSRNet used
    # valid convolutions and cropped the target instead.
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, kernel_size, stride, kernel_size // 2), nn.ReLU(inplace=True))


def conv_relu_stack(in_ch, out_ch, num_layer, kernel_size=3):
    """`num_layer` conv-ReLU layers, the first from in_ch, the rest out_ch -> out_ch."""
    widths = [in_ch] + [out_ch] * num_layer
    return nn.Sequential(*(conv_relu(c_in, c_out, kernel_size) for c_in, c_out in zip(widths, widths[1:])))
