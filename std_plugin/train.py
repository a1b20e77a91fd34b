"""python -m std_plugin.train -opt <yml> [BasicSR flags]: BasicSR's train
pipeline with the current directory as the root, as `python basicsr/train.py`
behaves inside a BasicSR checkout (experiments/, tb_logger/, --auto_resume)."""
import os

from std_plugin.training.pipelines import train


def main():
    train(os.getcwd())


if __name__ == '__main__':
    main()
