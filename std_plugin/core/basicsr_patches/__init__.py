"""Every fix this plugin applies to BasicSR 1.4.2 itself (or to what it
imports), in one place: import_compat (applied when std_plugin is imported, so
that basicsr imports at all), basicvsrpp_alignment (applied when it is
imported), and the ones std-train/std-test install before BasicSR runs:
distributed_launch (torchrun and CPU launch), safe_io (named errors for
unreadable frames). Fixes that carry training logic (resume, preemption) are
in training/; fixes made by subclassing are in models/."""
