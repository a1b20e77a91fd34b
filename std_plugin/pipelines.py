"""Entry points around BasicSR's train/test pipelines, with std_plugin
registered and the resume fixes installed."""
import std_plugin  # noqa: F401  (registers the plugin; applies compat)
from std_plugin import distributed, resume


def train(root_path):
    from basicsr.train import train_pipeline
    distributed.install()
    resume.install()
    train_pipeline(root_path)


def test(root_path):
    from basicsr.test import test_pipeline
    distributed.install()
    test_pipeline(root_path)
