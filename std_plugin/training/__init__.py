"""Running long jobs on BasicSR, and what every layer uses to do it safely: the
one error module (every user-facing error, one line, exit 2), compat and
plugin registration, option checks, the train/test entry pipelines and their
subprocess runs, checkpoint reading, atomic writes and saves, which files of a
folder are frames (frame_files), resume, per-sample seeds, preemption,
distributed launch, precision, the validation history.
A new module goes here when it is about running or saving a job whatever
the method; what distillation adds goes in distill/."""
