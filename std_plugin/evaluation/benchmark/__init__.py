"""std-bench's library (its command line: std_plugin/cli/bench.py): what is
built and timed (plan.py, BenchPlan and run_bench), how each part is timed
(parts.py, with core.timing), how each part's peak memory is kept apart from
the others', and the figures and text report (report.py)."""
