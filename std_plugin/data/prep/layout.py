"""The outputs of a run: their names, the sinks that write them (staged, all
or nothing), and the option-file lines that read them.

With a prefix ('vimeo90k_train', 'reds') the outputs are
    <out>/<prefix>_GT.lmdb, <out>/<prefix>_BIx4.lmdb, <out>/<prefix>_BIx4/
    <out>/meta_info_<prefix>_GT.txt
and without one (Vid4 and the user-video layouts) <out>/GT/, <out>/BIx4/,
<out>/GT.lmdb, <out>/BIx4.lmdb, <out>/meta_info_GT.txt.
"""
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from std_plugin.data.prep.degradations import DEGRADATIONS, lr_tag
from std_plugin.data.prep.pipeline import run_clips
from std_plugin.data.prep.sinks import LmdbSink, MetaInfoSink, PngFolderSink, gt_of, lr_of
from std_plugin.data.prep.staging import StagedOutputs


@dataclass(frozen=True)
class OutputNames:
    out: Path
    scale: int = 4
    prefix: str = ''

    def _name(self, part):
        return f'{self.prefix}_{part}' if self.prefix else part

    def gt_folder(self):
        return Path(self.out) / self._name('GT')

    def lr_folder(self, degradation):
        return Path(self.out) / self._name(lr_tag(degradation, self.scale))

    def gt_lmdb(self):
        return Path(self.out) / (self._name('GT') + '.lmdb')

    def lr_lmdb(self, degradation):
        return Path(self.out) / (self._name(lr_tag(degradation, self.scale)) + '.lmdb')

    def meta_info(self):
        return Path(self.out) / f'meta_info_{self._name("GT")}.txt'

    def every_output(self):
        """Every path a run of this layout can write, whatever its options."""
        lr = [p for d in sorted(DEGRADATIONS) for p in (self.lr_folder(d), self.lr_lmdb(d))]
        return [self.gt_folder(), self.gt_lmdb(), self.meta_info()] + lr


def warn_earlier_outputs(names, written):
    """Outputs of an earlier run that this one did not rewrite (another
    --degradation, or --lmdb then), left beside the new ones: named, since they
    no longer match the new GT and would train on mismatched pairs."""
    stale = [str(p) for p in names.every_output() if p not in written and p.exists()]
    if stale:
        print(f'warning: {", ".join(stale)}: left from an earlier run, not rewritten by this one; they do not match '
              'the new outputs: delete them, or rerun with the --degradation/--lmdb options that rewrite them',
              file=sys.stderr)


def make_sinks(staged, names, spec, *, gt_folder, lmdb, num_images):
    """The sinks of a standard run: an LR folder per degradation, the GT meta_info
    file, optionally a GT folder, and with `lmdb` a GT and an LR LMDB each."""
    sinks = [PngFolderSink(staged.stage(names.lr_folder(d)), lr_of(d)) for d in spec.degradations]
    sinks.append(MetaInfoSink(staged.stage(names.meta_info())))
    if gt_folder:
        sinks.append(PngFolderSink(staged.stage(names.gt_folder()), gt_of))
    if lmdb:
        level = spec.compress_level
        sinks.append(LmdbSink(staged.stage(names.gt_lmdb()), gt_of, num_images, level))
        sinks += [LmdbSink(staged.stage(names.lr_lmdb(d)), lr_of(d), num_images, level) for d in spec.degradations]
    return sinks


def write_dataset(args, names, spec, jobs, *, total, desc, gt_folder, extra_sinks=()):
    """Stage the outputs, run the jobs into them and commit them together.
    `extra_sinks`: functions of the StagedOutputs returning more sinks.
    Returns (report, final output paths)."""
    with StagedOutputs(args.overwrite) as staged:
        sinks = make_sinks(staged, names, spec, gt_folder=gt_folder, lmdb=getattr(args, 'lmdb', False),
                           num_images=max(total, 1))
        sinks += [make(staged) for make in extra_sinks]
        report = run_clips(jobs, spec, sinks, workers=args.workers, skip_bad=args.skip_bad, total=total, desc=desc)
        finals = staged.finals()
    warn_earlier_outputs(names, finals)
    return report, finals


def dataset_option(dataset_type, gt, lq, meta_info=None, lmdb=False, **extra):
    """The option-file block for a BasicSR dataset reading these outputs."""
    opt = {'type': dataset_type, 'dataroot_gt': str(gt), 'dataroot_lq': str(lq)}
    if meta_info is not None:
        opt['meta_info_file'] = str(meta_info)
    opt.update(extra)
    opt['io_backend'] = {'type': 'lmdb' if lmdb else 'disk'}
    return opt


def format_options(title, blocks):
    """`blocks`: {label: option dict}, printed as YAML ready to paste under `datasets:`."""
    text = yaml.safe_dump(blocks, sort_keys=False, default_flow_style=False)
    return f'{title}\n' + '\n'.join('  ' + line for line in text.splitlines())
