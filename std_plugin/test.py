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

PROG = 'std-test'


def main():
    basicsr_parser(PROG, __doc__, training=False).parse_args(sys.argv[1:])  # --help; usage errors in one line
    from std_plugin.training.pipelines import test
    test(os.getcwd(), prog=PROG)


if __name__ == '__main__':
    main()
