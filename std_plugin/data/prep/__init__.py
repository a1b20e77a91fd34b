"""Dataset preparation: turn Vimeo90K, REDS, Vid4 or your own videos into the
folders and LMDBs BasicSR's video datasets read, with the BI and BD
degradations. One module per source (vimeo90k, reds, vid4, video, demo: each
the work of std-prep-<source>, whose parser is in std_plugin/cli/prep.py), the
rest what they share.
Nothing here imports the rest of std_plugin beyond training/ (errors) and the
package root (BasicSR's torchvision alias)."""
