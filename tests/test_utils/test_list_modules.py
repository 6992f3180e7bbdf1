import re

import pytest

from mmext.testing import REPO_ROOT, run_tool
from mmext.utils import list_modules


def test_lists_mmext_modules_only_and_the_readme_names_every_one():
    modules = list_modules()
    assert 'RCNet' in modules['model'] and 'ATSS' not in modules['model']
    assert 'AnomalyLocalVisualizer' in modules['visualizer']
    assert 'PruneStaleLossLogsHook' in modules['hook']
    registered = {name for names in modules.values() for name in names}
    with open(f'{REPO_ROOT}/README.md') as f:
        named = set(re.findall(r'`mmext\.([A-Z]\w+)`', f.read()))
    assert named == registered, (named - registered, registered - named)


@pytest.mark.slow
def test_tool_prints_chosen_registries_and_refuses_unknown_ones():
    out = run_tool('tools/misc/print_registry.py', 'hook').stdout
    assert re.search(r'^hook \(\d+\):$', out, re.M)
    assert '  mmext.SafeCheckpointHook' in out
    assert 'model (' not in out
    proc = run_tool('tools/misc/print_registry.py', 'nope', check=False)
    assert proc.returncode != 0 and "['nope']" in proc.stderr
