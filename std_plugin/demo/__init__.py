"""std-demo: the whole method on real video on a CPU (steps.py), its figures,
the shipped demo teacher and warm start (assets/) and the option files it runs
(options/, package data read with importlib.resources). Only cli/ imports it."""
