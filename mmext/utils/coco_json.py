import json
import os.path as osp
from typing import Sequence


def load_coco_json(path: str,
                   keys: Sequence[str] = ('images', 'categories')) -> dict:
    """Read a COCO json and check it has the lists ``keys``; errors name the
    file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'COCO json not found: {path}')
    with open(path) as f:
        coco = json.load(f)
    if not isinstance(coco, dict):
        raise ValueError(f'{path} is not a COCO json (no top-level object)')
    for key in keys:
        if key not in coco:
            raise ValueError(f'{path} has no "{key}" list: not a COCO json')
    return coco
