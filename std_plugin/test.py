"""python -m std_plugin.test -opt <yml>: BasicSR's test pipeline with the
current directory as the root (results/ lands there)."""
import os

from std_plugin.training.pipelines import test


def main():
    test(os.getcwd())


if __name__ == '__main__':
    main()
