"""ConvLSTM with peephole connections (Shi et al. 2015; STD supplement Eq. 1).

  i_t = s(W_fi*F_t + W_hi*H_{t-1} + W_ci o C_{t-1} + b_i)
  f_t = s(W_ff*F_t + W_hf*H_{t-1} + W_cf o C_{t-1} + b_f)
  C_t = f_t o C_{t-1} + i_t o tanh(W_fc*F_t + W_hc*H_{t-1} + b_c)
  o_t = s(W_fo*F_t + W_ho*H_{t-1} + W_co o C_t + b_o)
  H_t = o_t o tanh(C_t)

The output-gate peephole uses the new cell C_t (the supplement prints W_ho
there, a typo for W_co). The eight convolutions are computed as one conv over
[F_t, H_{t-1}] (the same sum, one kernel launch). Peephole weights are one value
per hidden channel, broadcast over space, so the module accepts any H x W
(Shi et al. use full-size maps, which would tie the module to one patch size).
Both gates' peepholes start small and random (uniform +-0.1) so that they take
part in training from the first step.
"""
import torch
from torch import nn

from basicsr.utils.registry import ARCH_REGISTRY


@ARCH_REGISTRY.register()
class PeepholeConvLSTM(nn.Module):

    def __init__(self, input_dim=64, hidden_dim=64, kernel_size=3):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.gates = nn.Conv2d(input_dim + hidden_dim, 4 * hidden_dim, kernel_size, padding=kernel_size // 2)
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
        gi, gf, gc, go = self.gates(torch.cat((feat, hidden), dim=1)).chunk(4, dim=1)
        i = torch.sigmoid(gi + self.w_ci * cell)
        f = torch.sigmoid(gf + self.w_cf * cell)
        cell = f * cell + i * torch.tanh(gc)
        o = torch.sigmoid(go + self.w_co * cell)
        return o * torch.tanh(cell), cell

    def forward(self, seq):
        """seq: (B, T, C, H, W). Returns the final hidden state and memory cell,
        each (B, hidden_dim, H, W), starting from zero states."""
        b, _, _, h, w = seq.shape
        hidden = seq.new_zeros(b, self.hidden_dim, h, w)
        cell = seq.new_zeros(b, self.hidden_dim, h, w)
        for t in range(seq.shape[1]):
            hidden, cell = self.step(seq[:, t], hidden, cell)
        return hidden, cell
