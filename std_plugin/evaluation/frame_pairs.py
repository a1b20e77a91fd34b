"""Which SR image goes with which GT image, for the two GT layouts BasicSR's
video test datasets read and the SR folders its VideoBaseModel writes.

GT layouts:
  clip folders (VideoTestDataset: Vid4, REDS4)   <gt>/<clip>/<frame>.png
  Vimeo90K-T (VideoTestVimeo90KDataset)          <gt>/<seq>/<sub>/im4.png,
      sequences listed by split files ('00001/0266' a line), e.g. the motion
      splits sep_fast_testset.txt, sep_medium_testset.txt, sep_slow_testset.txt.
SR layouts (both accepted, with or without a '_<suffix>' after the name):
  BasicSR's  <sr>/<clip>/<frame>_<suffix>.png   and, for Vimeo90K-T,
             <sr>/vimeo90k/<seq>_<sub>_im4_<suffix>.png
  mirrored   <sr>/<clip>/<frame>.png            and <sr>/<seq>/<sub>/im4.png
Frames are paired by name, not by position, so a missing SR frame is reported
instead of silently shifting every later pair.
"""
import os
import os.path as osp
import re
from dataclasses import dataclass

from std_plugin.core.errors import InputError
from std_plugin.core.frame_files import list_frames
SR_EXT = '.png'  # VideoBaseModel always saves PNG
VIMEO_KEY = re.compile(r'[^/\s]+/[^/\s]+')
VIMEO_GT_FRAME = 'im4'  # VideoTestVimeo90KDataset scores the centre frame only
VIMEO_SR_FOLDER = 'vimeo90k'  # the single folder VideoTestVimeo90KDataset files every sequence under


class EvaluationError(InputError):
    """Bad evaluation input; the message names the file or folder at fault
    (an InputError, so the std-* tools report it as one line, exit code 2)."""


@dataclass(frozen=True)
class Frame:
    """One GT frame to score. `clip` is the unit averaged first (a clip folder,
    or one Vimeo-T sequence); `column` is the table column it counts towards;
    `sr_names` are the (subfolder, name stem) where its SR image may be."""
    clip: str
    column: str
    gt_path: str
    sr_names: tuple


def require_dir(path, what):
    if not osp.isdir(path):
        raise EvaluationError(f'{what} {path} does not exist or is not a folder')


def clip_frames(gt_dir, clips=None):
    """Frames of <gt_dir>/<clip>/*, one column per clip, clips sorted by name
    unless given (BasicSR's order, which is Vid4's Calendar, City, Foliage, Walk)."""
    require_dir(gt_dir, 'GT folder')
    clips = clips or sorted(d for d in os.listdir(gt_dir) if osp.isdir(osp.join(gt_dir, d)))
    if not clips:
        raise EvaluationError(f'GT folder {gt_dir} has no clip folders')
    return [frame for clip in clips for frame in frames_of_clip(gt_dir, clip)]


def frames_of_clip(gt_dir, clip):
    folder = osp.join(gt_dir, clip)
    require_dir(folder, 'GT clip folder')
    paths = list_frames(folder)
    if not paths:
        raise EvaluationError(f'GT clip folder {folder} holds no images')
    return [Frame(clip, clip, osp.join(folder, path.name), ((clip, path.stem),)) for path in paths]


def split_label(path):
    """'sep_fast_testset.txt' -> 'fast': the column name of a split file."""
    stem = osp.splitext(osp.basename(path))[0]
    return re.sub(r'^sep_|_testset$', '', stem)


def read_keys(path):
    """(line number, key) for each non-blank line; the key is the first word, so
    BasicSR meta info files ('00001/0266 7 (256,448,3)') are read too."""
    if not path or not osp.isfile(path):
        raise EvaluationError(f'split / meta info file {path} does not exist')
    with open(path) as f:
        keys = [(n, line.split()[0]) for n, line in enumerate(f, 1) if line.strip()]
    if not keys:
        raise EvaluationError(f'split / meta info file {path} lists nothing')
    return keys


def split_frames(gt_dir, splits):
    """Centre frames of the Vimeo-T sequences in each split file {label: path};
    each sequence is its own clip, each split a column."""
    require_dir(gt_dir, 'GT folder')
    seen, frames = {}, []
    for label, path in splits.items():
        for line, key in read_keys(path):
            where = f'{path} line {line}'
            if key in seen:
                raise EvaluationError(f'{where}: {key} is already listed at {seen[key]}')
            seen[key] = where
            frames.append(vimeo_frame(gt_dir, key, label, where))
    return frames


def vimeo_frame(gt_dir, key, column, where):
    if not VIMEO_KEY.fullmatch(key):
        raise EvaluationError(f"{where}: '{key}' is not a '<sequence>/<clip>' key such as 00001/0266")
    gt_path = osp.join(gt_dir, key, VIMEO_GT_FRAME + '.png')
    if not osp.isfile(gt_path):
        raise EvaluationError(f'{where}: unknown sequence {key}, {gt_path} does not exist')
    basicsr_stem = f"{key.replace('/', '_')}_{VIMEO_GT_FRAME}"
    return Frame(key, column, gt_path, ((VIMEO_SR_FOLDER, basicsr_stem), (key, VIMEO_GT_FRAME)))


def gt_frames(gt_dir, splits=None, clips=None):
    """Vimeo-T frames when split files {label: path} are given, else clip folders."""
    return split_frames(gt_dir, splits) if splits else clip_frames(gt_dir, clips)


class SRFolder:
    """Finds each frame's SR image in one method's output folder. Subfolders are
    listed once (Vimeo-T puts thousands of frames in one). Without a suffix,
    the first frame decides it, so every frame is then read with the same one."""

    def __init__(self, root, suffix=None):
        require_dir(root, 'SR folder')
        if not os.listdir(root):
            raise EvaluationError(f'SR folder {root} is empty')
        self.root, self.suffix, self._listings = root, suffix, {}

    def listing(self, sub):
        if sub not in self._listings:
            folder = osp.join(self.root, sub)
            self._listings[sub] = set(os.listdir(folder)) if osp.isdir(folder) else set()
        return self._listings[sub]

    def path(self, frame):
        if self.suffix is None:
            self.suffix = self.detect_suffix(frame)
        tail = f'_{self.suffix}{SR_EXT}' if self.suffix else SR_EXT
        for sub, stem in frame.sr_names:
            if stem + tail in self.listing(sub):
                return osp.join(self.root, sub, stem + tail)
        sub, stem = frame.sr_names[0]
        raise EvaluationError(f'missing SR frame for GT {frame.gt_path}: {osp.join(self.root, sub, stem + tail)} '
                              'does not exist')

    def detect_suffix(self, frame):
        found = {suffix_of(name, stem) for sub, stem in frame.sr_names for name in self.listing(sub)} - {None}
        if len(found) > 1:
            raise EvaluationError(f'SR folder {self.root} holds several images for GT {frame.gt_path} '
                                  f'(suffixes {sorted(found)}); pass the suffix to use')
        # none found: path() then reports the frame as missing under the plain name
        return found.pop() if found else ''


def suffix_of(name, stem):
    """'' for '<stem>.png', 'S' for '<stem>_S.png', None for any other name."""
    base, ext = osp.splitext(name)
    if ext.lower() != SR_EXT:
        return None
    if base == stem:
        return ''
    return base[len(stem) + 1:] if base.startswith(stem + '_') else None
