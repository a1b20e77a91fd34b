"""std-table: per-clip PSNR/SSIM tables (Y and RGB channels) of SR frames
against GT, in the STD supplement's layout: one row per method, one column per
clip (Vid4: Calendar, City, Foliage, Walk; Vimeo-T: fast, medium, slow), then
Average. Printed as Markdown and written as <out>/table_<dataset>.md/.csv.

    # after `std-test -opt options/test/X.yml` (val.save_img: true)
    std-table test -opt options/test/test_std_fastdvd_vid4.yml
    std-table test -opt options/test/test_std_fastdvd_vimeo90k_t.yml \\
        --splits sep_fast_testset.txt sep_medium_testset.txt sep_slow_testset.txt
    # any SR folders, several methods as rows
    std-table folders --gt datasets/Vid4/GT --sr Bicubic=out/bicubic --sr STD=out/std

Metrics, pairing and averaging are in std_plugin.evaluation.clip_metrics and
.frame_pairs, the rendering in .table_format; this file is the command line.
"""
import os.path as osp
import sys

import yaml

from std_plugin.evaluation.clip_metrics import CHANNELS, EvaluationError, evaluate_methods
from std_plugin.evaluation.frame_pairs import read_keys, split_label
from std_plugin.evaluation.table_format import render_markdown, write_table
from std_plugin.cli.common import (CommandParser, add_deprecated_alias, add_option_file, add_output, add_workers,
                                   command_parser, run_main)
from std_plugin.core.path_args import FILE, FOLDER, WORKDIR, add_path_argument

PROG = 'std-table'

def named(text, name_of):
    """'NAME=VALUE' -> (NAME, VALUE); a bare VALUE is named by name_of(VALUE)."""
    name, sep, value = text.partition('=')
    return (name, value) if sep else (name_of(text), text)


def splits_of(args):
    return dict(named(s, split_label) for s in args.splits) if args.splits else None


def read_options(path):
    if not osp.isfile(path):
        raise EvaluationError(f'option file {path} does not exist')
    with open(path) as f:
        return yaml.safe_load(f)


def option_crop_border(opt):
    """The crop_border of the option file's first val metric (0 without one)."""
    metrics = (opt.get('val') or {}).get('metrics') or {}
    return next((m.get('crop_border', 0) for m in metrics.values()), 0)


def dataset_source(dataset, splits):
    """gt_dir and splits/clips of one test dataset, read as BasicSR's dataset reads it."""
    kind, meta = dataset.get('type'), dataset.get('meta_info_file')
    if kind == 'VideoTestVimeo90KDataset':
        # without motion splits, the meta info file is the whole test set, one column
        return dict(gt_dir=dataset['dataroot_gt'], splits=splits or {'all': meta})
    if kind == 'VideoTestDataset':
        return dict(gt_dir=dataset['dataroot_gt'], clips=[key for _, key in read_keys(meta)] if meta else None)
    raise EvaluationError(f"dataset {dataset.get('name')}: type {kind} is not a video test dataset "
                          '(VideoTestDataset or VideoTestVimeo90KDataset); use `std-table folders`')


def test_run_tables(args, common):
    """(table, out_dir) for each dataset of a BasicSR test run, from its option file."""
    opt = read_options(args.opt)
    results = osp.join(args.root, 'results', opt['name'])
    suffix = (opt.get('val') or {}).get('suffix') or opt['name']  # VideoBaseModel's file name suffix
    crop_border = option_crop_border(opt) if args.crop_border is None else args.crop_border
    for _, dataset in sorted(opt['datasets'].items()):  # test_pipeline's order
        sr_dir = osp.join(results, 'visualization', dataset['name'])
        table = evaluate_methods({args.method or opt['name']: sr_dir}, dataset=dataset['name'], suffix=suffix,
                                 crop_border=crop_border, **dataset_source(dataset, splits_of(args)), **common)
        yield table, args.out or results


def folder_tables(args, common):
    """The one (table, out_dir) of `std-table folders`."""
    splits = splits_of(args)
    methods = dict(named(s, lambda d: osp.basename(osp.normpath(d))) for s in args.sr)
    dataset = args.dataset or ('Vimeo90K-T' if splits else 'Vid4')
    yield evaluate_methods(methods, args.gt, dataset=dataset, splits=splits, clips=args.clips,
                           suffix=args.suffix, crop_border=args.crop_border or 0, **common), args.out or '.'


def add_common(parser):
    add_path_argument(parser, '--splits', kind=FILE, nargs='+', metavar='[LABEL=]FILE',
                      help='Vimeo-T split files, one column each (sep_fast_testset.txt -> fast)')
    parser.add_argument('--crop-border', type=int, help='pixels ignored on each side (default: 0; '
                        "`test`: the option file's val metric crop_border)")
    parser.add_argument('--channels', nargs='+', type=str.upper, choices=list(CHANNELS), default=list(CHANNELS),
                        help='the channels scored, a column group each (default: Y RGB)')
    out = add_output(parser, 'dir', help='where table_<dataset>.md/.csv go, replacing earlier ones '
                     '(default `test`: results/<name>, `folders`: the current folder)')
    add_deprecated_alias(parser, '--out-dir', out)
    add_workers(parser, 'processes computing metrics')


def build_parser():
    parser = command_parser(PROG, __doc__)
    sub = parser.add_subparsers(dest='mode', required=True, parser_class=CommandParser)
    test = sub.add_parser('test', help="the SR frames a BasicSR test run saved (val.save_img: true)")
    add_option_file(test, help='the test option file given to std-test')
    add_path_argument(test, '--root', kind=WORKDIR, default='.',
                      help='the folder holding results/ (default: current folder)')
    test.add_argument('--method', help="row name (default: the option file's name)")
    test.set_defaults(tables=test_run_tables)
    folders = sub.add_parser('folders', help='any SR folders against a GT folder, one row per --sr')
    add_path_argument(folders, '--gt', kind=FOLDER, required=True,
                      help='GT: <gt>/<clip>/<frame>, or <gt>/<seq>/<sub>/im4.png '
                           'with --splits')
    add_path_argument(folders, '--sr', kind=FOLDER, required=True, action='append', metavar='[NAME=]DIR',
                      help='SR folder of one method (repeat; rows in this order)')
    folders.add_argument('--clips', nargs='+', help='clip folders to score (default: all, sorted)')
    folders.add_argument('--suffix', help="SR names are <frame>_<suffix>.png (default: detected)")
    folders.add_argument('--dataset', help='table title (default: Vid4, or Vimeo90K-T with --splits)')
    folders.set_defaults(tables=folder_tables)
    for mode in (test, folders):
        add_common(mode)
    return parser


def write_tables(args):
    # a progress bar only on a terminal: in logs it is noise around the table and errors
    common = dict(channels=tuple(args.channels), workers=args.workers, progress=sys.stderr.isatty())
    for table, out_dir in args.tables(args, common):
        print(render_markdown(table))
        print('wrote ' + ', '.join(write_table(table, out_dir)), file=sys.stderr)


def main(argv=None):
    run_main(PROG, build_parser, write_tables, argv)


if __name__ == '__main__':
    main()
