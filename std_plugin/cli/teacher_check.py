"""std-teacher-check: does this teacher hold temporal knowledge that time
distillation (TD) can transfer? Before spending GPU-days on STD, measure the
teacher of an STD option file on its val sets: the PSNR from its real window
minus the PSNR from the centre frame repeated (its temporal gain), per clip
and by window position, and the share of its F^SR energy that L_TD reaches
through the adapter.

    std-teacher-check -opt options/std_fastdvd.yml
    std-teacher-check -opt my_std.yml --root /data/runs --max-frames 10 --out teacher_check.md

Below +0.3 dB of temporal gain the teacher is, for TD, a single-image network
(std-compare and train.py print the same warning line). Paths inside the
option file are relative to --root, as for train.py run there.
"""
from pathlib import Path

import torch

from std_plugin.cli.arg_types import positive
from std_plugin.cli.common import add_device, add_option_file, add_output, command_parser, run_main
from std_plugin.evaluation.compare_runs import read_options
from std_plugin.evaluation.teacher_check import check_teacher, render
from std_plugin.core.disk_errors import named_writes
from std_plugin.core.errors import InputError
from std_plugin.core.path_args import WORKDIR, add_path_argument

PROG = 'std-teacher-check'


def build_parser():
    p = command_parser(PROG, __doc__)
    add_option_file(p, help='an STD option file (network_t, path.pretrain_network_t, val sets)')
    add_path_argument(p, '--root', kind=WORKDIR, default='.',
                      help="the folder the option file's relative paths are read from "
                           '(default: current folder)')
    p.add_argument('--max-frames', type=positive, help='score at most this many full-window frames per clip '
                   '(default: every frame)')
    add_device(p, 'the teacher runs on')
    add_output(p, 'file', help='also write the report to this Markdown file (refused if it exists)')
    return p


def run(args):
    opt = read_options(args.opt)
    if args.out and Path(args.out).exists():
        raise InputError(f'--out {args.out} exists: name a new file')
    report = check_teacher(opt, torch.device(args.device), args.max_frames, args.root)
    lines = render(report)
    warning = report.warning()
    if warning:
        lines.append(f'warning: {warning}')
    text = '\n'.join(lines) + '\n'
    print(text, end='')
    if args.out:
        with named_writes(args.out):
            Path(args.out).write_text(text)


def main(argv=None):
    run_main(PROG, build_parser, run, argv)


if __name__ == '__main__':
    main()
