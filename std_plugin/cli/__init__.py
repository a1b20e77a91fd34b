"""Every console script (std-*) as an argument parser over the layers below:
the top layer. Nothing else in std_plugin imports cli/ (demo/__main__.py, the
`python -m std_plugin.demo` alias, excepted); what two scripts share lives
below, in the package its concept names. A new console script: a module here
and a line in setup.py's console_scripts."""
