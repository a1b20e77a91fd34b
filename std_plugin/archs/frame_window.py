"""The input contract every student shares: a window (B, T, C, h, w) of
T = num_frame frames whose centre frame T // 2 is super-resolved."""


def centre_index(x, num_frame, net_name):
    """Index of the centre frame of `x`; a wrong shape fails with one line that
    says what the network was built for."""
    if x.dim() != 5 or x.size(1) != num_frame:
        raise ValueError(f'{net_name} expects input (B, {num_frame}, C, h, w) '
                         f'(num_frame={num_frame}), got {tuple(x.shape)}')
    return num_frame // 2
