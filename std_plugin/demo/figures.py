"""The demo's pictures: side-by-side crops of one frame (bicubic / baseline /
STD / teacher / GT) and the spatial attention maps M_sum^2 of F^SR of the
teacher and the students on that frame (like the paper's Fig. 3)."""
import cv2
import numpy as np
import torch

from std_plugin.distill.attention_maps import attention_map
from std_plugin.core.taps import FeatureTap


def labelled(img, text, scale=2):
    """Upscaled (nearest, so pixels stay visible) tile with a caption bar."""
    img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    bar = np.full((22, img.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, text, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([bar, img])


def crop_strip(images, box):
    """{name: BGR uint8 HxWx3} -> one strip of the same crop of each, labelled."""
    y, x, h, w = box
    return np.hstack([labelled(img[y:y + h, x:x + w], name) for name, img in images.items()])


def fsr_attention(net, layer, window):
    """M_sum^2 of the F^SR a network computes for one (1, T, 3, h, w) window."""
    with FeatureTap(net, layer) as tap, torch.no_grad():
        net.eval()(window)
        return attention_map(tap.take(), 'sum_sq')[0].cpu().numpy()


def heatmap(amap):
    """Min-max normalised map -> BGR colour image (each map on its own scale, as in the paper)."""
    norm = (amap - amap.min()) / max(float(amap.max() - amap.min()), 1e-12)
    return cv2.applyColorMap((norm * 255).astype(np.uint8), cv2.COLORMAP_JET)


def attention_strip(maps):
    """{name: HxW map} -> one labelled strip of heat maps."""
    return np.hstack([labelled(heatmap(m), name, scale=1) for name, m in maps.items()])
