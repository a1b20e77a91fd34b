"""Tiny generated video data in BasicSR's layouts, for tests: a textured image
that moves a little from frame to frame, so networks have something to learn."""
import os
import os.path as osp

import cv2
import numpy as np

from basicsr.utils.lmdb_util import LmdbMaker


def moving_frames(num, h, w, seed=0):
    rng = np.random.default_rng(seed)
    base = cv2.resize(rng.random((h // 4 + 2, w // 4 + 2, 3)).astype(np.float32), (w + 8, h + 8),
                      interpolation=cv2.INTER_CUBIC)
    return [np.clip(base[t % 8:t % 8 + h, (2 * t) % 8:(2 * t) % 8 + w] * 255, 0, 255).astype(np.uint8)
            for t in range(num)]


def downscale(img, scale):
    h, w = img.shape[:2]
    return cv2.resize(img, (w // scale, h // scale), interpolation=cv2.INTER_AREA)


def write(path, img):
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, img)


def make_vimeo(root, num_clips=2, size=32, scale=4):
    """Vimeo90K septuplets as folders and as LMDBs; returns a dict of paths."""
    keys = [f'00001/{i + 1:04d}' for i in range(num_clips)]
    for i, key in enumerate(keys):
        for t, img in enumerate(moving_frames(7, size, size, seed=i)):
            write(osp.join(root, 'GT', key, f'im{t + 1}.png'), img)
            write(osp.join(root, 'LR', key, f'im{t + 1}.png'), downscale(img, scale))
    meta = osp.join(root, 'meta_info.txt')
    with open(meta, 'w') as f:
        f.writelines(f'{k} 7 ({size},{size},3)\n' for k in keys)
    for kind in ('GT', 'LR'):
        maker = LmdbMaker(osp.join(root, f'{kind}.lmdb'))
        for key in keys:
            for t in range(7):
                img = cv2.imread(osp.join(root, kind, key, f'im{t + 1}.png'))
                _, buf = cv2.imencode('.png', img)
                maker.put(buf.tobytes(), f'{key}/im{t + 1}', img.shape)
        maker.close()
    return {'gt': osp.join(root, 'GT'), 'lq': osp.join(root, 'LR'), 'meta': meta,
            'gt_lmdb': osp.join(root, 'GT.lmdb'), 'lq_lmdb': osp.join(root, 'LR.lmdb')}


def make_vid4(root, clips=(('calendar', 5),), size=32, scale=4):
    """Vid4-style test clips: GT/<clip>/%08d.png and BIx4/<clip>/%08d.png."""
    for c, (clip, num) in enumerate(clips):
        for t, img in enumerate(moving_frames(num, size, size, seed=10 + c)):
            write(osp.join(root, 'GT', clip, f'{t:08d}.png'), img)
            write(osp.join(root, 'BIx4', clip, f'{t:08d}.png'), downscale(img, scale))
    return {'gt': osp.join(root, 'GT'), 'lq': osp.join(root, 'BIx4')}
