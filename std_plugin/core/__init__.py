"""The floor every other folder stands on, whatever the method: the one error
module (every user-facing error, one line, exit 2) and disk errors, atomic
writes, checkpoint reading and the released checkpoints, plugin registration,
which files of a folder are frames, text files, command-line path checks,
clip <-> window slicing, forward-hook taps, DataParallel/DDP unwrapping, the
call timer, and basicsr_patches/ (every change made to BasicSR 1.4.2 itself).
Rule: nothing here imports anything else from std_plugin, and every folder may
import from here. A new module goes here only when any layer could use it."""
