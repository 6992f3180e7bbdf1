"""What every converter of tools/dataset_converters/ shares: its command
line (mmext.utils.coco_converter_parser) and its refusals."""
import pytest

from mmext.testing import run_tool, tool_error

pytestmark = pytest.mark.slow

CONVERTERS = ('make_noisy_coco', 'make_sparse_coco', 'split_coco_semi')


@pytest.mark.parametrize('name', CONVERTERS)
def test_missing_json_is_named(name, tmp_path):
    missing = str(tmp_path / 'missing.json')
    stderr = tool_error(f'tools/dataset_converters/{name}.py', missing,
                        '--out-dir', str(tmp_path / 'out'))
    assert 'COCO json not found' in stderr and missing in stderr
    assert not (tmp_path / 'out').exists()


@pytest.mark.parametrize('name', CONVERTERS)
def test_out_dir_is_required_and_overwrite_documented(name):
    usage = run_tool(f'tools/dataset_converters/{name}.py', '--help').stdout
    assert '--out-dir' in usage and '--overwrite' in usage
    proc = run_tool(
        f'tools/dataset_converters/{name}.py', 'any.json', check=False)
    assert proc.returncode == 2
    assert 'the following arguments are required: --out-dir' in proc.stderr
