"""The command-line arguments std-infer and std-export share: which network
(--arch, --arch-opt), which weights (--model, --param-key), and loading them."""
import torch

from std_plugin.archs import network_spec
from std_plugin.core.checkpoints import load_state, logger, read_checkpoint, select_params
from std_plugin.core.path_args import FILE, add_path_argument


def add_network_arguments(parser, onnx=False):
    """onnx: --model may also be an ONNX file, and --arch is then not needed."""
    add_path_argument(parser, '--model', kind=FILE, required=True,
                      help='BasicSR checkpoint ({param_key: state_dict})' + (', or an ONNX file' if onnx else ''))
    parser.add_argument('--arch', required=not onnx,
                        help='registered arch name (FastDVDnetVSR, EDVR, ...) or an option file (its network_g)'
                        + ('; not with an ONNX --model, which holds its network' if onnx else ''))
    parser.add_argument('--arch-opt', action='append', default=[], metavar='KEY=VALUE',
                        help='override an arch option, YAML value (repeatable): num_feat=8, widths=[8,8,8]')
    parser.add_argument('--param-key', default='params',
                        help="checkpoint entry to load (default params; 'none' for a bare state dict)")
    parser.add_argument('--no-strict', action='store_true', help='allow missing/unexpected keys')
    parser.add_argument('--scale', type=int, default=4,
                        help='upsampling factor, only for networks fed upsampled frames (TOFlow)')


def checkpoint_state(path, param_key):
    ckpt = read_checkpoint(path, what='--model')
    if param_key.lower() == 'none':
        return select_params(ckpt, path, None, '--model')
    # As BasicSR's load_network: a missing key falls back to 'params' (with a warning).
    if isinstance(ckpt, dict) and param_key not in ckpt and 'params' in ckpt:
        logger.warning(f"--model: {path} has no {param_key!r} entry (--param-key); loading its 'params' instead")
        param_key = 'params'
    return select_params(ckpt, path, param_key, '--model')


def load_network(args, device='cpu'):
    """(net in eval mode on `device`, frames it reads per output frame, its options)."""
    opt = network_spec.network_options(args.arch, args.arch_opt)
    net = network_spec.build(opt)
    load_state(net, checkpoint_state(args.model, args.param_key), args.model, strict=not args.no_strict,
               what='--model')
    num_frame = network_spec.frames_per_output(net, opt)
    net = network_spec.takes_lr_window(net, opt, args.scale)
    return net.eval().to(torch.device(device)), num_frame, opt
