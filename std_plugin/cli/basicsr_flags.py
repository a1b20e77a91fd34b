"""The parser of std-train and std-test: BasicSR's own flags (basicsr/utils/
options.py parse_options, which parses sys.argv again when the pipeline
starts), with help, so that --help describes the command and a usage error is
one `std-<command>: error:` line before BasicSR's parser runs."""
from std_plugin.cli.common import command_parser


def basicsr_parser(prog, doc, training):
    p = command_parser(prog, doc)
    p.add_argument('-opt', required=True, metavar='FILE',
                   help='the BasicSR option file (YAML); relative paths in it are read from the current folder')
    p.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none',
                   help='job launcher: pytorch under torchrun, slurm under srun (default: none, one process)')
    if training:
        p.add_argument('--auto_resume', action='store_true',
                       help="resume from the experiment's latest training state (unreadable ones are skipped "
                            'with a warning); without it an existing experiment folder is renamed _archived_*')
    p.add_argument('--debug', action='store_true',
                   help="BasicSR's debug mode: the name gets a debug_ prefix, logging and validation every few "
                        'iterations')
    p.add_argument('--local_rank', '--local-rank', type=int, default=0,
                   help='set by torch.distributed.launch; torchrun passes LOCAL_RANK in the environment instead')
    p.add_argument('--force_yml', nargs='+', metavar='KEY=VALUE',
                   help='override option-file values, e.g. train:ema_decay=0.999')
    return p
