"""python train.py -opt options/std_fastdvd.yml [--auto_resume] [--debug] [--launcher pytorch]

Outputs go under this folder's experiments/ and tb_logger/ (BasicSR's layout)."""
import os.path as osp

from std_plugin.training.pipelines import train

if __name__ == '__main__':
    train(osp.dirname(osp.abspath(__file__)))
