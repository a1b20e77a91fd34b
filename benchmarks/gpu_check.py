"""One prepared GPU measurement: every figure the docs give for a CPU only
(std-bench in fp32 / bf16 / bf16 + channels-last / fp16 / torch.compile at the
headline iteration, std-profile at 180x120, a 2-process NCCL run when two GPUs
are present, std-compare on the demo data), written as Markdown and JSON.

    python benchmarks/gpu_check.py --out gpu_check/              # a GPU, within --budget (540 s) + the last step
    python benchmarks/gpu_check.py --smoke --out /tmp/gpu_check  # the same path at toy sizes on a CPU

The steps are std_plugin/cli/gpu_check.py; --help lists them.
"""
from std_plugin.cli.gpu_check import main

if __name__ == '__main__':
    main()
