"""An exported window network run by ONNX Runtime, as a callable that takes and
returns torch tensors like the PyTorch network, so std-infer's tiling, names
and checks apply to both backends unchanged.

ONNX Runtime is optional (`pip install -e ".[deploy]"`); every entry point
asks for it through `import_onnxruntime`, which names the extra to install."""
import numpy as np
import torch

from std_plugin.core.errors import InputError

DEPLOY_EXTRA = 'pip install -e ".[deploy]"'
# Ops that only an integer-quantised graph holds (QDQ or QOperator format).
QUANTISED_OPS = {'QuantizeLinear', 'DequantizeLinear', 'QLinearConv', 'ConvInteger', 'MatMulInteger'}


def import_onnxruntime(flag='--backend onnxruntime'):
    try:
        import onnxruntime
    except ImportError:
        raise InputError(f'{flag}: onnxruntime is not installed; {DEPLOY_EXTRA}') from None
    return onnxruntime


def providers(device):
    """ONNX Runtime execution providers for a torch device name."""
    ort = import_onnxruntime()
    if torch.device(device).type != 'cuda':
        return ['CPUExecutionProvider']
    if 'CUDAExecutionProvider' not in ort.get_available_providers():
        raise InputError('--device cuda: this onnxruntime has no CUDA provider (pip install onnxruntime-gpu), '
                         'or use --backend torch')
    return ['CUDAExecutionProvider', 'CPUExecutionProvider']


def session(path, threads=None, device='cpu', profile_prefix=None):
    """An InferenceSession with every graph optimisation (Conv+BatchNorm
    folding among them); `threads` intra-op threads (None: ONNX Runtime's
    default, one per core)."""
    ort = import_onnxruntime()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    if profile_prefix:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    try:
        return ort.InferenceSession(str(path), options, providers=providers(device))
    except InputError:
        raise
    except Exception as err:  # onnxruntime raises its own Fail/InvalidProtobuf/... classes
        raise InputError(f'--model: {path} is not an ONNX model onnxruntime can load '
                         f'({str(err).splitlines()[0][:200]})') from None


def model_precision(path):
    """'int8' when the graph holds quantisation ops, else 'fp32'."""
    import_onnxruntime('--model ' + str(path))
    import onnx  # installed with onnxruntime by the deploy extra
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as err:  # a DecodeError of protobuf, or an OSError
        raise InputError(f'--model: {path} is not an ONNX file ({str(err).splitlines()[0][:160]})') from None
    return 'int8' if any(node.op_type in QUANTISED_OPS for node in model.graph.node) else 'fp32'


def window_layout(sess, path):
    """num_frame of an ONNX window network: one float input (batch, frames, 3,
    height, width) with a fixed frame count, one 4-D output. Anything else is
    another kind of network: one line naming what was found."""
    inputs, outputs = sess.get_inputs(), sess.get_outputs()
    shape = inputs[0].shape if len(inputs) == 1 else None
    found = ', '.join(f'{i.name} {i.shape}' for i in inputs)
    if (shape is None or len(shape) != 5 or not isinstance(shape[1], int) or shape[2] != 3
            or inputs[0].type != 'tensor(float)' or len(outputs[0].shape) != 4):
        raise InputError(f'--model: {path} takes {found} -> {outputs[0].name} {outputs[0].shape}; std-infer needs a '
                         'window network with one float input (batch, frames, 3, height, width) and an image output '
                         '(batch, 3, H, W), as std-export writes')
    return shape[1]


class OnnxWindowNetwork:
    """net(x) for x (B, T, 3, h, w) float in [0, 1] -> (B, 3, s*h, s*w), computed by ONNX Runtime."""

    def __init__(self, path, threads=None, device='cpu'):
        self.path = str(path)
        self.session = session(path, threads, device)
        self.num_frame = window_layout(self.session, path)
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name
        self.precision = model_precision(path)

    def __call__(self, x):
        array = np.ascontiguousarray(x.detach().to('cpu', torch.float32).numpy())
        return torch.from_numpy(self.session.run([self.output_name], {self.input_name: array})[0])


def is_onnx_file(path):
    return str(path).lower().endswith('.onnx')

