"""argparse types shared by the console scripts."""
import argparse


def positive(text):
    """An integer >= 1, or argparse's one-line usage error naming the flag."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'{text} is not a positive integer')
    return value
