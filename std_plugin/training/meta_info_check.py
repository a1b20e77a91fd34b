"""A training meta_info file read the way BasicSR's datasets read it, checked
before the run. Vimeo90KDataset takes `line.split(' ')[0]` of EVERY line and
REDSDataset unpacks `line.split(' ')` into three fields, so a blank line (an
editor's trailing newline) is a key '\\n' or a ValueError minutes into the
run; the pre-check refuses it the same way for every dataset. A key listed
twice is drawn twice as often (named, not refused: oversampling on purpose
exists). A shape that disagrees with the frames is the meta_info's fault and
is said so."""
import re
import sys

from std_plugin.core.errors import DataError
from std_plugin.core.text_files import read_text

SHAPE = re.compile(r'^\((\d+),\s*(\d+),\s*(\d+)\)$')


def read_clip_lines(path, key):
    """[(line number, clip, shape or None)]; DataError for blank or malformed lines."""
    text = read_text(path, key, 'one "clip num_frames (h,w,c)" line per clip', DataError)
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            raise DataError(f'{key}: {path} line {number} is blank; BasicSR\'s datasets read every line as a clip '
                            '(remove blank lines, a trailing one included)')
        parts = line.split(' ')
        shape = SHAPE.match(parts[2]) if len(parts) == 3 else None
        if len(parts) != 3 or shape is None or not parts[1].isdigit():
            raise DataError(f'{key}: {path} line {number} is {line!r}; expected "clip num_frames (h,w,c)" '
                            'separated by single spaces')
        rows.append((number, parts[0], tuple(int(v) for v in shape.groups())))
    if not rows:
        raise DataError(f'{key}: {path} lists no clip; expected one "clip num_frames (h,w,c)" line per clip')
    return rows


def warn_duplicates(rows, path, key):
    seen, repeated = {}, []
    for number, clip, _ in rows:
        if clip in seen:
            repeated.append(f'{clip!r} (lines {seen[clip]} and {number})')
        seen.setdefault(clip, number)
    if repeated:
        print(f'std_plugin: warning: {key}: {path} lists {len(repeated)} clip(s) twice, which are drawn twice as '
              f'often: {", ".join(repeated[:5])}', file=sys.stderr, flush=True)


def check_stated_shape(rows, path, key, frame, frame_shape, where):
    """The line of the clip holding `frame` (a key or relative path such as
    00001/0001/im1.png) must state that frame's (h, w), read from `where`."""
    clip_of_frame = frame.replace('\\', '/').rsplit('/', 1)[0]
    row = next((r for r in rows if r[1] == clip_of_frame), None)
    if row is None:
        return
    number, clip, (h, w, c) = row
    if (h, w) != tuple(frame_shape):
        raise DataError(f'{key}: {path} line {number} says clip {clip!r} is ({h},{w},{c}), but its GT frames are '
                        f'{frame_shape[0]}x{frame_shape[1]} (h x w, {where}); the meta_info file is wrong '
                        f'(expected ({frame_shape[0]},{frame_shape[1]},{c}))')
