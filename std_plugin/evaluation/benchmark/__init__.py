"""The pieces of std-bench (std_plugin/cli/bench.py): what is built, how it is
timed, and how each part's peak memory is kept apart from the others'."""
