"""std-test: test with BasicSR's test pipeline, std_plugin registered, its
options checked before anything runs, bad input answered with one line.

    std-test -opt options/test/test_std_fastdvd_vid4.yml
    torchrun --nproc_per_node=2 -m std_plugin.test -opt options/test/X.yml --launcher pytorch

The root is the current folder, as for `python basicsr/test.py` inside a
BasicSR checkout: relative paths in the option file are read from it, and
results/<name>/ (the log, and with val.save_img the SR frames that std-table
reads) is written under it. `python -m std_plugin.test` is the same command.
"""
import os
import sys

from std_plugin.cli.basicsr_flags import basicsr_parser
from std_plugin.cli.common import run_main

PROG = 'std-test'


def build_parser():
    return basicsr_parser(PROG, __doc__, training=False)


def check_option_file(args):
    # BasicSR parses sys.argv itself; this reads -opt first, so that a missing or
    # broken file is one line before any of the pipeline's patches are installed
    from std_plugin.training.option_checks import check_option_file
    check_option_file(['-opt', args.opt])


def main():
    run_main(PROG, build_parser, check_option_file, sys.argv[1:])
    from std_plugin.training.pipelines import test
    test(os.getcwd(), prog=PROG)


if __name__ == '__main__':
    main()
