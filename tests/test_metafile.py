"""metafile.yml names every option file, and every option file it names parses
and passes the option checks that need no data (types, arguments, scales);
its Results are structured, and the README's results table is rendered from them."""
import re
from pathlib import Path

import yaml

from std_plugin.evaluation.metafile_table import render, render_file
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


def test_every_entry_has_a_status_and_a_list_of_structured_results():
    for model in yaml.safe_load((ROOT / 'metafile.yml').read_text())['Models']:
        assert isinstance(model['Results'], list) and model['Status'], model['Name']
        for result in model['Results']:
            assert {'Task', 'Dataset', 'Metrics'} <= set(result) and isinstance(result['Metrics'], dict), model['Name']
        if model['Status'] == 'not measured':
            assert model['Results'] == [], model['Name']


def test_readme_results_table_is_the_one_rendered_from_the_metafile():
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    between = re.search(r'<!-- results table:[^\n]*-->\n(.*?)\n<!-- end of results table -->', readme, re.S)
    assert between, 'README.md lacks the results table markers'
    assert between.group(1) == render_file(ROOT / 'metafile.yml'), \
        'regenerate it: python -m std_plugin.evaluation.metafile_table'


def test_render_writes_the_figures_as_measured():
    gain = {'Task': 'Video Super-Resolution', 'Dataset': 'clip', 'Comparison': 'STD - baseline', 'Seeds': 3,
            'Iterations': 300, 'Decimals': 2,
            'Metrics': {'PSNR (Y) gain': -0.0, 'PSNR (Y) gain SE': 0.04, 'PSNR (Y) gain CI95': [-0.19, 0.18],
                        'p (paired t-test)': 1.0}}
    bound = dict(gain, Decimals=3, Metrics=dict(gain['Metrics'], **{'PSNR (Y) gain': 0.011, 'PSNR (Y) gain SE': 0.0,
                                                                    'p (paired t-test)': '< 0.001'}))
    meta = {'Models': [{'Config': 'a.yml', 'Status': 'measured', 'Results': [gain, bound, {'Metrics': {}}]},
                       {'Config': 'b.yml', 'Status': 'not measured', 'Results': []}]}
    lines = render(meta).split('\n')
    assert lines[2] == '| STD - baseline | clip | 3 | 300 | -0.00 ± 0.04 | [-0.19, +0.18] | 1.00 |'
    assert lines[3] == '| STD - baseline | clip | 3 | 300 | +0.011 ± 0.000 | [-0.190, +0.180] | < 0.001 |'
    assert len(lines) == 6 and ' 1 option files in ' in lines[5]  # the entry without a Comparison is no row
