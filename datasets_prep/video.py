"""Kept for checkouts: `python datasets_prep/video.py` runs std-prep-video with this checkout's std_plugin."""
import sys, pathlib  # noqa: E401
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.exit(__import__('std_plugin.cli.prep', fromlist=['video']).video())
