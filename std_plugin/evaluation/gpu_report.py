"""gpu_check's Markdown: the figures of each step (std_plugin/cli/gpu_check.py)
as the tables the README's CPU figures are given in, so they can be set side
by side. Rendered from the JSON report alone, so the file can be rebuilt."""

STATUS_NOTE = {'failed': 'failed', 'skipped': 'skipped'}
BENCH_ROWS = [  # (label, key in std-bench's JSON, format)
    ('t_student / t_teacher / t_std (ms)', None, None),
    ('overhead_ratio = t_std / (t_student + t_teacher)', 'overhead_ratio', '{:.3f}'),
    ('peak memory of t_std (MiB)', 't_std_peak_mib', '{:.0f}'),
    ('teacher bf16 speed-up (bf16 + channels-last)', None, None),
    ('SD / TD relative change with a bf16 teacher', None, None),
    ('inference ms/frame, student / teacher', None, None),
    ('speed_ratio (paper: 4.9x, GTX 1080 Ti)', 'speed_ratio', '{:.1f}x'),
    ('300k iterations at t_std (h)', 'headline_hours_at_t_std', '{:.1f}'),
]


def fmt(value, pattern):
    return '-' if value is None else pattern.format(value)


def bench_cell(fig, label, key, pattern):
    """One figure of one variant; '-' where the variant timed only the training parts."""
    try:
        return bench_figure(fig, label, key, pattern)
    except KeyError:
        return '-'


def bench_figure(fig, label, key, pattern):
    if key is not None:
        return fmt(fig.get(key), pattern)
    if label.startswith('t_student'):
        return ' / '.join(f'{fig[k]:.1f}' for k in ('t_student_ms', 't_teacher_ms', 't_std_ms'))
    if label.startswith('teacher bf16'):
        return f"{fig['teacher_bf16_speedup']:.2f}x ({fig['teacher_bf16_channels_last_speedup']:.2f}x)"
    if label.startswith('SD / TD'):
        diff = fig['losses_relative_difference']
        return ' / '.join(f'{diff[k]:.1e}' for k in ('l_sd', 'l_td') if k in diff) or '-'
    return f"{fig['student_ms']:.1f} / {fig['teacher_ms']:.1f}"


def table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    return lines + ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]


def not_ok(name, step):
    reason = step.get('error') or step.get('reason', '')
    return f'- `{name}`: {STATUS_NOTE[step["status"]]} after {step["seconds"]} s: {reason}'


def environment_lines(step):
    return [f'- {k}: {v}' for k, v in step['figures'].items()]


def bench_lines(steps):
    done = {name[len('bench_'):]: s['figures'] for name, s in steps.items()
            if name.startswith('bench_') and s['status'] == 'ok'}
    if not done:
        return []
    first = next(iter(done.values()))
    lines = [f"std-bench, {first['settings']['student']} student, {first['settings']['teacher']} teacher, "
             f"{first['iteration']}, median of {first['settings']['runs']} after {first['settings']['warmup']} "
             f"warm-up, random weights; inference at LR {first['settings']['infer_size']}, teacher "
             f"{first['settings']['infer_teacher']}. Columns: train.autocast and distill.teacher_autocast, "
             'channels-last, torch.compile; \'-\': the variant timed the training parts only', '']
    rows = [[label] + [bench_cell(fig, label, key, pattern) for fig in done.values()]
            for label, key, pattern in BENCH_ROWS]
    return lines + table(['figure'] + list(done), rows)


def profile_lines(step):
    rows = [[r['name'], r['frames'], f"{r['params'] / 1e6:.2f}", f"{r['macs'] / 1e12:.3f}",
             '-' if r['paper_tmacs'] is None else f"{r['paper_tmacs']:.2f}", fmt(r['ms'], '{:.2f}')]
            for r in step['figures']['rows']]
    size = step['figures']['rows'][0]['size'] if rows else '-'
    return [f'std-profile, batch 1, LR {size}, no_grad, median ms per output frame', ''] + \
        table(['network', 'frames', 'params (M)', 'MACs (T)', 'paper (T)', 'ms/frame'], rows)


def compare_lines(step):
    fig = step['figures']
    speed = ', '.join(f'{arm} {v:.3f} s/iter' for arm, v in fig['median_s_per_iter'].items())
    start = f"from {fig['warm_start']}" if fig.get('warm_start') else 'from scratch'
    return [f"std-compare baseline vs STD, {fig['seeds']} seed(s) x {fig['iters']} iterations {start}; median "
            f'logged training time per iteration (BasicSR\'s log): {speed or "-"}', '', fig['table'].strip()]


def ddp_lines(step):
    fig = step['figures']
    return [f"torchrun, {fig['processes']} processes, NCCL, {fig['iters']} iterations of the demo STD file: "
            f"ran in {fig['seconds']} s, {fmt(fig['s_per_iter'], '{:.3f}')} s/iter"]


SECTIONS = [('environment', 'Environment', environment_lines), ('profile', 'Networks (std-profile)', profile_lines),
            ('ddp', 'Distributed (2 processes)', ddp_lines), ('compare', 'Demo comparison (std-compare)',
                                                            compare_lines)]


def render(report):
    steps = report['steps']
    out = [f"# gpu_check ({report['mode']})", '',
           f"Started {report['started']}; {report.get('total_s', 0):.0f} s of a {report['budget_s']:g} s budget.", '']
    bench = bench_lines(steps)
    if bench:
        out += ['## STD iteration and inference (std-bench)', ''] + bench + ['']
    for name, title, lines in SECTIONS:
        if steps.get(name, {}).get('status') == 'ok':
            out += [f'## {title}', ''] + lines(steps[name]) + ['']
    problems = [not_ok(name, s) for name, s in steps.items() if s['status'] != 'ok']
    if problems:
        out += ['## Not measured', ''] + problems + ['']
    return '\n'.join(out)
