"""Where a checked clip goes: PNG folders, LMDBs and meta_info files.

Each sink takes a whole clip (`add_clip`) so that skipping a bad clip is all
or nothing. Frame keys are relative paths without '.png' ('00001/0001/im1',
'000/00000000', 'calendar/00000000'): BasicSR's disk backend reads
`<root>/<key>.png` and its LMDB backend reads key `<key>`.
"""
from pathlib import Path

from std_plugin.data.prep.lmdb_writer import StreamingLmdbMaker, estimate_map_size
from std_plugin.data.prep.meta_info import meta_info_line
from std_plugin.core.disk_errors import named_writes


def gt_of(result):
    return result.gt_png, result.gt_shape


def lr_of(name):
    def pick(result):
        return result.lr_png[name], result.lr_shape
    return pick


class PngFolderSink:

    def __init__(self, root, pick):
        self.root, self.pick = Path(root), pick

    def add_clip(self, clip, results):
        for result in results:
            path = self.root / f'{result.key}.png'
            path.parent.mkdir(parents=True, exist_ok=True)
            with named_writes(path):
                path.write_bytes(self.pick(result)[0])

    def close(self):
        pass


class LmdbSink:
    """Opened on the first frame, whose shape sizes the map for `num_images`."""

    def __init__(self, path, pick, num_images, compress_level=1):
        self.path, self.pick = Path(path), pick
        self.num_images, self.compress_level = num_images, compress_level
        self.maker = None

    def add_clip(self, clip, results):
        for result in results:
            png, shape = self.pick(result)
            if self.maker is None:
                self.maker = StreamingLmdbMaker(
                    str(self.path), estimate_map_size(self.num_images, shape), compress_level=self.compress_level)
            self.maker.put(png, result.key, shape)

    def close(self):
        if self.maker is not None:
            self.maker.close()
            self.maker = None


class MetaInfoSink:
    """A BasicSR dataset meta_info file, one line per clip, optionally only for
    some clips (e.g. the REDS4 test clips)."""

    def __init__(self, path, clips=None):
        self.path = path
        self.file = open(path, 'w')
        self.clips = clips
        self.lines = 0

    def add_clip(self, clip, results):
        if self.clips is None or clip in self.clips:
            with named_writes(self.path):
                self.file.write(meta_info_line(clip, len(results), results[0].gt_shape) + '\n')
            self.lines += 1

    def close(self):
        with named_writes(self.path):
            self.file.close()
