"""metafile.yml names every option file, and every option file it names parses
and passes the option checks that need no data (types, arguments, scales)."""
from pathlib import Path

import yaml

from std_plugin.training.teacher_options import resolve_teacher_options
from std_plugin.training.option_checks import check_network_arguments, check_scales, check_types

ROOT = Path(__file__).resolve().parents[1]


def named_configs():
    meta = yaml.safe_load((ROOT / 'metafile.yml').read_text())
    return [m['Config'] for m in meta['Models']]


def test_metafile_names_every_option_file_once():
    on_disk = sorted(str(p.relative_to(ROOT)) for folder in ('options', 'std_plugin/demo/options')
                     for p in (ROOT / folder).rglob('*.yml'))
    assert sorted(named_configs()) == on_disk


def test_every_named_option_file_parses_and_checks():
    for config in named_configs():
        opt = yaml.safe_load((ROOT / config).read_text())
        opt.setdefault('path', {})
        resolve_teacher_options(opt)
        check_types(opt)
        check_network_arguments(opt)
        check_scales(opt)
        assert opt['model_type'] in ('STDModel', 'EDVRModel', 'PISRTeacherModel', 'PISRStudentModel',
                                     'VideoRecurrentModel'), config
