"""The GT frames a recurrent (all-frames) training dataset will read, checked in
its LMDB before training starts.

STD computes a loss on every output of a clip, so Vimeo90KRecurrentDataset
reads all 7 GT frames of a septuplet and REDSRecurrentDataset all frames of its
window. BasicSR's own Vimeo90K LMDB script writes only the 4th GT frame
(vimeo90k_train_GT_only4th.lmdb): without this check that LMDB passes every
other check (it has im4 of every clip) and the first DataLoader worker dies on
a missing key minutes into the run."""
import os.path as osp

from std_plugin.core.errors import DataError

VIMEO_FRAMES = tuple(range(1, 8))
REDS_FRAMES = 100  # REDSRecurrentDataset picks windows anywhere in 0..99


def vimeo_keys(clip):
    return [f'{clip}/im{i}' for i in VIMEO_FRAMES]


def reds_keys(clip):
    return [f'{clip}/{i:08d}' for i in range(REDS_FRAMES)]


# dataset type -> (the command that writes an LMDB with every frame, the GT keys of one clip)
DATASETS = {
    'Vimeo90KRecurrentDataset': ('std-prep-vimeo90k --input <vimeo_septuplet> --out <folder> --split train --lmdb',
                                 vimeo_keys),
    'REDSRecurrentDataset': ('std-prep-reds --input <REDS train_sharp> --out <folder> --lmdb', reds_keys),
}


# Clips REDSRecurrentDataset leaves out of training (BasicSR's val_partition).
VAL_PARTITIONS = {'REDS4': ('000', '011', '015', '020'), 'official': tuple(f'{v:03d}' for v in range(240, 270))}


def first_clip(meta_file, dataset):
    """The first clip the dataset trains on."""
    skip = () if dataset.get('test_mode') else VAL_PARTITIONS.get(dataset.get('val_partition'), ())
    with open(meta_file) as f:
        for line in f:
            if line.strip() and line.split()[0] not in skip:
                return line.split()[0]
    return None


def absent_keys(lmdb_root, keys):
    import lmdb
    env = lmdb.open(lmdb_root, readonly=True, lock=False, readahead=False)
    with env.begin() as txn:
        absent = [k for k in keys if txn.get(k.encode()) is None]
    env.close()
    return absent


def describe(absent, keys):
    """'only im4' for BasicSR's GT-only-4th layout, else the missing frames."""
    present = [k.rsplit('/', 1)[1] for k in keys if k not in absent]
    names = [k.rsplit('/', 1)[1] for k in absent]
    if present and len(present) <= 2:
        return f'holds only {" and ".join(present)} of the {len(keys)} GT frames'
    shown = ', '.join(names[:3]) + (f' and {len(names) - 3} more' if len(names) > 3 else '')
    return f'lacks GT frame{"s" if len(names) > 1 else ""} {shown} (of {len(keys)})'


def check_gt_frames(phase, dataset):
    """Refuse a GT LMDB that lacks frames the recurrent dataset reads, checked on
    the first clip of the meta_info file (a layout problem shows there)."""
    if dataset.get('type') not in DATASETS or (dataset.get('io_backend') or {}).get('type') != 'lmdb':
        return
    root, meta = dataset.get('dataroot_gt'), dataset.get('meta_info_file')
    if not root or not meta or not osp.isfile(osp.join(root, 'data.mdb')) or not osp.isfile(meta):
        return  # missing files are reported by check_dataset_paths
    clip = first_clip(meta, dataset)
    command, clip_keys = DATASETS[dataset['type']]
    keys = clip_keys(clip) if clip else []
    absent = absent_keys(root, keys)
    if absent:
        raise DataError(f'datasets.{phase}.dataroot_gt: LMDB {root} {describe(absent, keys)} of clip {clip}, '
                        f'but {dataset["type"]} reads them all (BasicSR\'s own scripts write a GT-only-4th '
                        f'Vimeo90K LMDB); rebuild it with every frame: {command}')
