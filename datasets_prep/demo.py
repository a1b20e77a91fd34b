"""Kept for checkouts: `python datasets_prep/demo.py` runs std-prep-demo with this checkout's std_plugin."""
import sys, pathlib  # noqa: E401
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.exit(__import__('std_plugin.cli.prep', fromlist=['demo']).demo())
