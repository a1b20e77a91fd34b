"""Command-line scripts that turn Vimeo90K, REDS, Vid4 or your own videos into
the folders and LMDBs BasicSR's video datasets read, with the BI and BD
degradations: vimeo90k.py, reds.py, vid4.py, video.py, demo.py (each has --help)."""
