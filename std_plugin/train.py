"""std-train: train with BasicSR's train pipeline, std_plugin registered, its
options checked before anything runs, bad input answered with one line.

    std-train -opt options/std_fastdvd.yml
    std-train -opt options/std_fastdvd.yml --auto_resume     # after a stop or a crash
    torchrun --nproc_per_node=4 -m std_plugin.train -opt options/std_fastdvd.yml --launcher pytorch

The root is the current folder, as for `python basicsr/train.py` inside a
BasicSR checkout: relative paths in the option file are read from it, and
experiments/<name>/ (models, training states, logs) and tb_logger/ are
written under it. --auto_resume continues from the experiment's latest
training state; without it an existing experiment folder is renamed
(BasicSR's _archived_ suffix) and training starts again. A SIGTERM (a
preempted job) writes a checkpoint and exits 0, ready for --auto_resume.
`python -m std_plugin.train` is the same command.
"""
import os
import sys

from std_plugin.cli.basicsr_flags import basicsr_parser
from std_plugin.cli.common import run_main

PROG = 'std-train'


def build_parser():
    return basicsr_parser(PROG, __doc__, training=True)


def check_option_file(args):
    # BasicSR parses sys.argv itself; this reads -opt first, so that a missing or
    # broken file is one line before any of the pipeline's patches are installed
    from std_plugin.training.option_checks import check_option_file
    check_option_file(['-opt', args.opt])


def main():
    run_main(PROG, build_parser, check_option_file, sys.argv[1:])
    from std_plugin.training.pipelines import train
    train(os.getcwd(), prog=PROG)


if __name__ == '__main__':
    main()
