"""python test.py -opt options/test/<file>.yml  (results/ under this folder)."""
import os.path as osp

from std_plugin.training.pipelines import test

if __name__ == '__main__':
    test(osp.dirname(osp.abspath(__file__)))
