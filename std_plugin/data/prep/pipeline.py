"""Runs frame jobs in parallel and hands whole, checked clips to the sinks.

Memory stays bounded by one clip plus the frames in flight, whatever the
number of clips: jobs are generated lazily, results are consumed in order and
grouped by clip, and nothing else is kept.
"""
import itertools
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter

from tqdm import tqdm

from std_plugin.data.prep.frame_task import process_frame
from std_plugin.data.prep.parallel import ordered_map
from std_plugin.core.errors import DatasetPrepError


@dataclass
class Report:
    clips: int = 0
    frames: int = 0
    skipped: list = field(default_factory=list)  # (clip, reason)

    def summary(self):
        lines = [f'wrote {self.clips} clips ({self.frames} frames)']
        if self.skipped:
            lines.append(f'skipped {len(self.skipped)} bad clips (--skip-bad):')
            lines += [f'  {clip}: {reason}' for clip, reason in self.skipped]
        return '\n'.join(lines)


def clip_problem(results):
    """The first thing wrong with a clip, as one line naming the file, or None."""
    for result in results:
        if result.error:
            return result.error
    first = results[0]
    for result in results[1:]:
        if result.source_shape != first.source_shape:
            return (f'{result.label}: frame size {result.source_shape} differs from '
                    f'{first.source_shape} of {first.label} in the same clip')
    return None


def run_clips(jobs, spec, sinks, *, workers, skip_bad=False, total=None, desc='frames'):
    """Process `jobs` (FrameJobs, clip by clip) and write each good clip to every sink."""
    report = Report()
    results = ordered_map(partial(process_frame, spec=spec), jobs, workers)
    try:
        with closing(results), tqdm(results, total=total, unit='frame', desc=desc, dynamic_ncols=True) as bar:
            for clip, group in itertools.groupby(bar, key=attrgetter('clip')):
                _write_clip(clip, list(group), sinks, skip_bad, report)
    finally:
        for sink in sinks:
            sink.close()
    if report.clips == 0:
        if report.skipped:
            clip, reason = report.skipped[0]
            raise DatasetPrepError(f'no clip was written: all {len(report.skipped)} clips are bad, '
                                   f'the first ({clip}): {reason}')
        raise DatasetPrepError('no input frames found')
    return report


def _write_clip(clip, results, sinks, skip_bad, report):
    problem = clip_problem(results)
    if problem:
        if not skip_bad:
            raise DatasetPrepError(problem)
        report.skipped.append((clip, problem))
        return
    for sink in sinks:
        sink.add_clip(clip, results)
    report.clips += 1
    report.frames += len(results)
