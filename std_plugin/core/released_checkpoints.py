"""BasicSR's released teacher checkpoints, by the file names BasicSR publishes
them under, and the one line that tells a user whose teacher file is missing
where to get it.

BasicSR's `scripts/download_pretrained_models.py <METHOD>` saves each file as
experiments/pretrained_models/<METHOD>/<name> (relative to the BasicSR checkout
it runs in); the option files here name that path, so a user who ran the
script in this project's root trains without editing them. The names and
folders are those of BasicSR's download script and test option files
(options/test/EDVR/test_EDVR_L_x4_SR_Vimeo90K.yml,
options/test/BasicVSR/test_*_Vimeo90K_*.yml)."""
import os.path as osp
import re
from typing import NamedTuple

MODEL_ZOO = 'https://github.com/XPixelGroup/BasicSR/blob/master/docs/ModelZoo.md'
# BasicSR's "official pre-trained models" Google Drive folder (docs/ModelZoo.md)
DRIVE = 'https://drive.google.com/drive/folders/15DgDtfaLASQ3iAPJEVHQF49g9msexECG'


class Release(NamedTuple):
    method: str  # the argument of download_pretrained_models.py, and the folder it writes
    name: str  # the published file name, hash suffix included

    @property
    def path(self):
        return f'experiments/pretrained_models/{self.method}/{self.name}'


RELEASES = tuple(Release(method, name) for method, name in (
    ('EDVR', 'EDVR_L_x4_SR_Vimeo90K_official-162b54e4.pth'),
    ('EDVR', 'EDVR_L_x4_SR_REDS_official-9f5f5039.pth'),
    ('EDVR', 'EDVR_M_x4_SR_REDS_official-32075921.pth'),
    ('EDVR', 'EDVR_M_woTSA_x4_SR_REDS_official-1edf645c.pth'),
    ('BasicVSR', 'BasicVSR_Vimeo90K_BIx4-2a29695a.pth'),
    ('BasicVSR', 'BasicVSR_Vimeo90K_BDx4-e9bf46eb.pth'),
    ('BasicVSR', 'BasicVSR_REDS4-543c8261.pth'),
    ('BasicVSR', 'IconVSR_Vimeo90K_BIx4-35fec07c.pth'),
    ('BasicVSR', 'IconVSR_Vimeo90K_BDx4-cfcb7e00.pth'),
    ('BasicVSR', 'IconVSR_REDS-aaa5367f.pth'),
))

# The headline teacher: BasicSR's EDVR-L trained on Vimeo90K BIx4.
EDVR_L_VIMEO90K = RELEASES[0]

HASH_SUFFIX = re.compile(r'-[0-9a-f]{8}$')


def stem(file_name):
    """The name without extension and without BasicSR's '-<8 hex>' hash suffix,
    so that an older unhashed name (EDVR_L_x4_SR_Vimeo90K_official.pth) is recognised."""
    return HASH_SUFFIX.sub('', osp.splitext(osp.basename(file_name))[0])


def release_for(path):
    """The release a checkpoint path names (by file name), or None."""
    matches = [r for r in RELEASES if stem(r.name) == stem(path)]
    return matches[0] if matches else None


def where_to_get(path, root='.'):
    """The sentence that follows 'X does not exist' for a released file, or '' for
    any other file. Names the published file, where BasicSR publishes it and the
    script that downloads it; points at a copy already under `root` in the place
    BasicSR's script puts it, when the option names another place."""
    release = release_for(path)
    if release is None:
        return ''
    found = osp.join(root, release.path)
    if osp.normpath(path) != osp.normpath(release.path) and osp.isfile(found):
        return f'; BasicSR\'s {release.name} is at {release.path}: set this key to that path'
    return (f'; it is BasicSR\'s released {release.name} ({MODEL_ZOO}, Google Drive {DRIVE}): in a BasicSR '
            f'checkout, python scripts/download_pretrained_models.py {release.method} saves it as '
            f'{release.path} under the folder it runs in; expected at {path}')
