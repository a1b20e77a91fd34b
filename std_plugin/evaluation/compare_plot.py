"""The curves picture of a comparison (std-compare): a metric (PSNR) against
iteration, one panel per validation dataset, per arm a thick mean-over-seeds
line and thin per-seed lines in the same colour."""
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import MaxNLocator  # noqa: E402

from std_plugin.evaluation.compare_stats import REFERENCE, curves, mean_curve  # noqa: E402


def plot_arm(ax, seed_curves, arm, colour):
    for its, vals in seed_curves.values():
        ax.plot(its, vals, color=colour, linewidth=0.7, alpha=0.45)
    its, vals = mean_curve(seed_curves)
    ax.plot(its, vals, color=colour, linewidth=2, marker='o', markersize=3,
            label=f'{arm} (mean of {len(seed_curves)} seeds)')


def plot_curves(histories, arms, datasets, metric, label, path, references=None):
    """Writes the PNG at path; returns path. references: {dataset: {metric: value}},
    drawn as a dashed line."""
    fig, axes = plt.subplots(1, len(datasets), figsize=(6 * len(datasets), 4), squeeze=False)
    colours = plt.rcParams['axes.prop_cycle'].by_key()['color']
    for ax, dataset in zip(axes[0], datasets):
        for i, arm in enumerate(arms):
            plot_arm(ax, curves(histories, arm, dataset, metric), arm, colours[i % len(colours)])
        if references and dataset in references:
            ax.axhline(references[dataset][metric], color='grey', linestyle='--', linewidth=1, label=REFERENCE)
        ax.set(title=dataset, xlabel='iteration', ylabel=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return str(path)
