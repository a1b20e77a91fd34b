"""ConvLSTM with peephole connections (Shi et al. 2015; STD supplement Eq. 1).

  i_t = s(W_fi*F_t + W_hi*H_{t-1} + W_ci o C_{t-1} + b_i)
  f_t = s(W_ff*F_t + W_hf*H_{t-1} + W_cf o C_{t-1} + b_f)
  C_t = f_t o C_{t-1} + i_t o tanh(W_fc*F_t + W_hc*H_{t-1} + b_c)
  o_t = s(W_fo*F_t + W_ho*H_{t-1} + W_co o C_t + b_o)
  H_t = o_t o tanh(C_t)

The output-gate peephole uses the new cell C_t (the supplement prints W_ho
there, a typo for W_co). The eight convolutions are one conv over
[F_t, H_{t-1}] (the same sum). Over a sequence, its input half W_f*F_t runs
for all T steps in one batched conv per sequence, and only W_h*H_{t-1} runs
step by step. Peephole weights are one value
per hidden channel, broadcast over space, so the module accepts any H x W
(Shi et al. use full-size maps, which would tie the module to one patch size).
Both gates' peepholes start small and random (uniform +-0.1) so that they take
part in training from the first step.

`forget_bias` (default 2) is added to b_f at initialisation (Jozefowicz et
al. 2015 use 1): with f_t = s(b_f + ...) near 1 the cell keeps what earlier
frames wrote, so the final cell of a fixed random ConvLSTM depends on the whole
clip. Measured on the demo teacher's F^SR of three training clips (7 frames,
unit RMS, hidden 16, 3 random inits): the oldest frame's share of the final
cell's sensitivity is 0.05 of the newest's with bias 0 (the cell then mostly
compares the last two frames), 0.20 with 1 and 0.50 with 2.
"""
import torch
import torch.nn.functional as F
from torch import nn

from basicsr.utils.registry import ARCH_REGISTRY


@ARCH_REGISTRY.register()
class PeepholeConvLSTM(nn.Module):

    def __init__(self, input_dim=64, hidden_dim=64, kernel_size=3, forget_bias=2.0):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.gates = nn.Conv2d(input_dim + hidden_dim, 4 * hidden_dim, kernel_size, padding=kernel_size // 2)
        with torch.no_grad():  # gate order i, f, c, o (update): b_f is the second quarter
            self.gates.bias[hidden_dim:2 * hidden_dim] += forget_bias
        self.w_ci = nn.Parameter(torch.zeros(hidden_dim, 1, 1))
        self.w_cf = nn.Parameter(torch.zeros(hidden_dim, 1, 1))
        self.w_co = nn.Parameter(torch.zeros(hidden_dim, 1, 1))
        for w in (self.w_ci, self.w_cf, self.w_co):
            nn.init.uniform_(w, -0.1, 0.1)
        # Set by the time-distillation collapse guard; a buffer, so it is saved
        # and restored with the weights and broadcast by DDP.
        self.register_buffer('frozen', torch.zeros((), dtype=torch.bool))

    def step(self, feat, hidden, cell):
        """One time step; returns (H_t, C_t)."""
        return self.update(self.gates(torch.cat((feat, hidden), dim=1)), cell)

    def update(self, gates, cell):
        """(H_t, C_t) from one step's summed convolutions W_f*F_t + W_h*H_{t-1} + b."""
        gi, gf, gc, go = gates.chunk(4, dim=1)
        i = torch.sigmoid(gi + self.w_ci * cell)
        f = torch.sigmoid(gf + self.w_cf * cell)
        cell = f * cell + i * torch.tanh(gc)
        o = torch.sigmoid(go + self.w_co * cell)
        return o * torch.tanh(cell), cell

    def forward(self, *seqs):
        """seqs: one or more (B, T, C, H, W) sequences of the same shape. Returns the
        final hidden state and memory cell, each (sum of B, hidden_dim, H, W), of
        the sequences concatenated along the batch, from zero states.

        Pass a sequence that needs no gradient (the teacher's) separately rather
        than concatenated: W_f*F_t runs per sequence, so no input gradient is
        computed for it (with the batched input conv: about a quarter less CPU
        time for STD's TD term, measured)."""
        w_f, w_h = self.gates.weight.split([seqs[0].shape[2], self.hidden_dim], dim=1)
        pad = self.gates.padding
        inputs = torch.cat([
            F.conv2d(seq.flatten(0, 1), w_f, self.gates.bias, padding=pad).unflatten(0, seq.shape[:2])
            for seq in seqs])
        hidden = cell = seqs[0].new_zeros(inputs.shape[0], self.hidden_dim, *inputs.shape[-2:])
        # unbind, not inputs[:, t]: T slices would each zero-fill a full-size gradient
        for gates_f in inputs.unbind(1):
            hidden, cell = self.update(gates_f + F.conv2d(hidden, w_h, padding=pad), cell)
        return hidden, cell
