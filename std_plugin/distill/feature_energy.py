"""How much of the teacher's F^SR energy a map of narrower width can carry.

L_TD compares the student's features, mapped by the adapter to the teacher's
width, with the teacher's: only the part of the teacher's F^SR inside the
adapter's span (its columns) can be matched. The channel moment sum f f^T
over all positions gives that share for any orthonormal map, and its leading
eigenvectors give the best map of a width (principal directions).
"""
import torch


def channel_moment(seq):
    """Sum over positions of f f^T (C, C) of features (..., C, H, W) with C at dim -3."""
    flat = seq.detach().movedim(-3, -1).reshape(-1, seq.shape[-3]).double()
    return flat.T @ flat


def principal_map(moment, width):
    """(C, width) orthonormal columns: the leading eigenvectors of the channel moment."""
    _, vectors = torch.linalg.eigh(moment)  # ascending eigenvalues
    return vectors[:, -width:].flip(1)


def energy_kept(moment, basis):
    """Share of sum |f|^2 kept by projecting f onto the orthonormal columns of basis."""
    return (torch.trace(basis.T @ moment @ basis) / torch.trace(moment)).item()
