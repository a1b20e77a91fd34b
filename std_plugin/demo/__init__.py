"""std-demo: the whole method on real video on a CPU (steps.py), its command
line (command.py, also `python -m std_plugin.demo`), its figures, the shipped
demo teacher and warm start (assets/) and the option files it runs (options/,
package data read with importlib.resources). Of cli/ it uses only the command
convention (cli/common.py); no cli/ module imports it."""
