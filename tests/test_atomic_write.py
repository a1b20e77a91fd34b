"""atomic_path: an output appears complete under its final name or not at all."""
import os

import pytest
import torch

from std_plugin.core.atomic_write import atomic_path, staging_path


def listing(folder):
    return sorted(os.listdir(folder))


def test_success_replaces_the_file_through_a_hidden_sibling(tmp_path):
    final = tmp_path / 'lstm.pth'
    final.write_bytes(b'old')
    with atomic_path(final) as tmp:
        assert tmp.parent == tmp_path and tmp.name == f'.lstm.partial-{os.getpid()}.pth'
        torch.save({'w': torch.arange(3)}, tmp)
        assert final.read_bytes() == b'old'  # untouched until the block ends
    assert torch.equal(torch.load(final)['w'], torch.arange(3))
    assert listing(tmp_path) == ['lstm.pth']


@pytest.mark.parametrize('error', [OSError(28, 'No space left on device'), KeyboardInterrupt()])
def test_failure_leaves_the_destination_and_no_temporary_file(tmp_path, error):
    final = tmp_path / 'inputs.json'
    final.write_text('{"kept": 1}')
    with pytest.raises(type(error)):
        with atomic_path(final) as tmp:
            tmp.write_text('{"half')
            raise error
    assert final.read_text() == '{"kept": 1}'
    assert listing(tmp_path) == ['inputs.json']


def test_failure_without_a_previous_file_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / 'new' / 'out.pth') as tmp:
            tmp.write_bytes(b'x')
            raise RuntimeError('boom')
    assert listing(tmp_path / 'new') == []


def test_a_folder_replaces_a_folder(tmp_path):
    final = tmp_path / 'GT.lmdb'
    final.mkdir()
    (final / 'data.mdb').write_text('old')
    with atomic_path(final) as tmp:
        assert tmp.name.endswith('.lmdb')  # BasicSR's LmdbMaker insists on the suffix
        tmp.mkdir()
        (tmp / 'data.mdb').write_text('new')
    assert listing(final) == ['data.mdb'] and (final / 'data.mdb').read_text() == 'new'
    assert listing(tmp_path) == ['GT.lmdb']


def test_leftover_of_a_killed_write_is_cleared(tmp_path):
    final = tmp_path / 'out.json'
    staging_path(final).write_text('left by a killed run')
    with atomic_path(final) as tmp:
        assert not tmp.exists()
        tmp.write_text('{}')
    assert listing(tmp_path) == ['out.json']
