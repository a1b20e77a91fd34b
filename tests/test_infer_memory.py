"""std-infer's tile-by-tile uint8 output equals the whole-frame float path."""
import numpy as np
import pytest
import torch

from basicsr.archs import build_network
from basicsr.utils import img2tensor, tensor2img
from std_plugin.inference.tiling import padded_index, tiled_forward, tiled_sr_image
from tests.conftest import TINY_STUDENT


@pytest.fixture(scope='module')
def net():
    torch.manual_seed(0)
    return build_network(dict(TINY_STUDENT)).eval()


def test_padded_index_is_f_pad():
    assert padded_index(4, 9, 6, 'replicate').tolist() == [4, 5, 5, 5, 5]
    assert padded_index(4, 9, 6, 'reflect').tolist() == [4, 5, 4, 3, 2]


@pytest.mark.parametrize('tile, overlap, mode', [(0, 0, 'replicate'), (8, 4, 'replicate'), (8, 8, 'reflect')])
def test_uint8_tiles_equal_the_float_canvas_and_tensor2img(net, tile, overlap, mode):
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (22, 30, 3), dtype=np.uint8) for _ in range(7)]  # BGR, not multiples of 4
    window = torch.stack([img2tensor(f.astype(np.float32) / 255.) for f in frames]).unsqueeze(0)
    with torch.no_grad():
        expected = tensor2img(tiled_forward(net, window, tile, overlap, 4, mode)[0])
        got = tiled_sr_image(net, frames, tile, overlap, 4, mode)
    assert got.dtype == np.uint8 and got.shape == (88, 120, 3)
    # Same tiles, same float32 inputs and values, same rounding: identical bytes.
    assert np.array_equal(got, expected)
