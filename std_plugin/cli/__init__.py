"""Every console script (std-*) as an argument parser over the layers below:
the top layer. common.py (the parser factory, shared flags, the one error
path) and arg_types.py are the convention every command follows; std-demo's
parser is in demo/command.py (so that `python -m std_plugin.demo` needs no
other cli/ module), std-train's and std-test's in std_plugin/train.py and
test.py. Nothing below imports a cli/ command module; what two scripts share
lives below, in the package its concept names. A new console script: a module
here, a line in setup.py's console_scripts, and docs/commands.md regenerated
(python -m std_plugin.cli.commands_doc)."""
