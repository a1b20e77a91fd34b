"""std-pretrain-lstm: pretrain the shared ConvLSTM on next-frame prediction of
teacher F^SR features (supplement Table 1, initialisations (b) and (c)).

    std-pretrain-lstm -opt options/std_fastdvd.yml --iters 2000 \\
        --out experiments/pretrained_models/convlstm_edvrl.pth
    std-pretrain-lstm -opt my_std.yml --out lstm.pth --adapter principal --device cpu

Reads the STD option file's train dataset, teacher and network_lstm; feeds the
teacher's F^SR of frames 1..N-1 into the ConvLSTM and regresses frame t+1's
F^SR from H_t through a 1x1 prediction head (discarded afterwards), on
sequences scaled as train.td_opt scales them. Writes a BasicSR checkpoint
{'params': ConvLSTM state} for `path.pretrain_network_lstm`; then
`distill.freeze_lstm: true` gives (b), false gives (c).

--adapter principal (when the student's F^SR is narrower than the teacher's)
also writes the fixed adapter (`params_adapter`, loaded with the ConvLSTM):
the leading principal directions of the teacher's F^SR channels instead of
the model's random orthonormal map. L_TD can only pull the student's C_S
channels towards the teacher's features seen through the adapter; the tool
prints the share of the teacher's F^SR energy each map keeps (demo: 91% against
30%). Not the default: on the demo it made the student worse.
"""
from std_plugin.cli.arg_types import positive
from std_plugin.cli.common import add_device, add_option_file, add_output, add_overwrite, command_parser, run_main
from std_plugin.core.path_args import read_option_file

PROG = 'std-pretrain-lstm'


def build_parser():
    from std_plugin.distill.lstm_pretraining import ADAPTERS
    p = command_parser(PROG, __doc__)
    add_option_file(p, help='STD option file (train dataset, network_t, network_lstm)')
    add_output(p, 'file', required=True, help='the checkpoint to write')
    p.add_argument('--iters', type=positive, default=2000, help='Adam steps, one train batch each (default: 2000)')
    p.add_argument('--lr', type=float, default=1e-3, help='Adam learning rate (default: 0.001)')
    add_device(p, 'the teacher and the ConvLSTM run on')
    add_overwrite(p)
    p.add_argument('--adapter', choices=ADAPTERS, default='model',
                   help="model: the STD model's own random fixed adapter (default); principal: write one made of "
                        "the teacher F^SR's leading principal directions")
    return p


def run(args):
    from std_plugin.distill.lstm_pretraining import pretrain_convlstm
    pretrain_convlstm(read_option_file('-opt', args.opt), args.out, iters=args.iters, lr=args.lr,
                      device=args.device, adapter=args.adapter, overwrite=args.overwrite)
    print(f'ConvLSTM pretrained for {args.iters} iterations -> {args.out}')


def main(argv=None):
    run_main(PROG, build_parser, run, argv)


if __name__ == '__main__':
    main()
