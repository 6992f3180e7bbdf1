"""The paper beside the code: each method's core modules start with their
paper (title, venue, arXiv link) and link to their section of
docs/fidelity.md, and every such link points at a section that exists."""
import glob
import os.path as osp
import re

import pytest

from mmext.testing import REPO_ROOT

CORE_MODULES = {
    'rcnet': [
        'models/layers/reverse_feature_pyramid.py',
        'models/layers/cross_scale_shift.py', 'models/necks/rcnet.py',
        'ops/cross_scale_shift.py'
    ],
    'tood': [
        'models/dense_heads/tood_head.py',
        'models/task_modules/assigners/task_aligned_assigner.py',
        'ops/task_aligned_topk.py'
    ],
    'mixteacher': [
        'models/layers/mixed_scale_fusion.py',
        'models/detectors/mixed_scale_faster_rcnn.py',
        'models/detectors/mix_teacher.py',
        'models/task_modules/pseudo_label/promoted_pseudo_label_miner.py'
    ],
    'calibrated-teacher': [
        'models/task_modules/calibration/confidence_calibrator.py',
        'models/detectors/calibrated_teacher.py',
        'models/losses/focal_iou_weight.py'
    ],
    'ssd-det':
    ['models/roi_heads/ssd_refine_head.py', 'models/losses/mil_loss.py'],
    'dmdd': [
        'models/losses/dual_modeling_distillation_loss.py',
        'models/anomaly/dmdd.py', 'models/anomaly/decoupled_student.py',
        'models/anomaly/multi_perception_seg_head.py'
    ],
}


def fidelity_anchors():
    with open(osp.join(REPO_ROOT, 'docs', 'fidelity.md')) as f:
        headings = re.findall(r'^#+ (.+)$', f.read(), re.M)
    # GitHub's slugs: lower case, punctuation dropped, spaces to hyphens.
    return {
        re.sub(r'[^\w\- ]', '', h).strip().lower().replace(' ', '-')
        for h in headings
    }


@pytest.mark.parametrize('anchor,path',
                         [(anchor, path)
                          for anchor, paths in CORE_MODULES.items()
                          for path in paths])
def test_core_module_names_its_paper_and_fidelity_section(anchor, path):
    with open(osp.join(REPO_ROOT, 'mmext', path)) as f:
        text = f.read()
    docstring = re.match(r'"""(.*?)"""', text, re.S)
    assert docstring, f'{path} has no module docstring'
    assert 'Paper: ' in docstring.group(1)
    assert 'https://arxiv.org/abs/' in docstring.group(1)
    assert f'docs/fidelity.md#{anchor}' in docstring.group(1)


def test_every_fidelity_link_in_the_code_points_at_a_section():
    anchors = fidelity_anchors()
    for path in glob.glob(
            osp.join(REPO_ROOT, 'mmext', '**', '*.py'), recursive=True):
        with open(path) as f:
            for link in re.findall(r'docs/fidelity\.md#([\w-]+)', f.read()):
                assert link in anchors, f'{path}: no section #{link}'
