"""Measuring the method and its networks: per-clip PSNR/SSIM tables of SR
folders (std-table), arm comparisons over seeds (std-compare: budgets,
statistics, curves, the bicubic reference, the PISR arm), multiply-adds and
the profiled networks (std-profile), and benchmark/, the timed parts of
std-bench. A new measurement goes here; its argument parsing goes in cli/."""
