"""Running long jobs on BasicSR: option checks and the typed option schema,
the train/test entry pipelines and their subprocess runs, saving checkpoints
atomically, resume, per-sample seeds, preemption, precision, the run lock,
the validation history. A new module goes here when it is about running or
saving a job whatever the method; what any layer could use goes in core/,
what distillation adds in distill/."""
