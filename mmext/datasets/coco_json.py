import json
import os
import os.path as osp
import sys
from typing import Sequence

REQUIRED_KEYS = ('images', 'categories')
#: What the dataset converters need: a json with its annotations.
ANNOTATED_KEYS = ('images', 'categories', 'annotations')


def load_coco_json(path: str,
                   keys: Sequence[str] = REQUIRED_KEYS,
                   verbose: bool = False) -> dict:
    """Read a COCO json and check it has the lists ``keys`` and that every
    annotation refers to one of its images; errors name the file. With
    ``verbose``, say on stderr which file is read (a full COCO json takes a
    while)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'COCO json not found: {path}')
    if verbose:
        print(f'reading {path}', file=sys.stderr, flush=True)
    with open(path) as f:
        try:
            coco = json.load(f)
        except json.JSONDecodeError as error:
            raise ValueError(f'{path} is not valid json ({error}): a '
                             'truncated or damaged file?') from None
    if not isinstance(coco, dict):
        raise ValueError(f'{path} is not a COCO json (no top-level object)')
    for key in keys:
        if key not in coco:
            raise ValueError(f'{path} has no "{key}" list: not a COCO json')
    image_ids = {img['id'] for img in coco.get('images', [])}
    for ann in coco.get('annotations', []):
        if ann.get('image_id') not in image_ids:
            raise ValueError(f'{path}: annotation id {ann.get("id")} refers '
                             f'to image id {ann.get("image_id")}, which is '
                             'not in images')
    return coco


def write_coco_json(coco: dict, path: str, overwrite: bool = False) -> None:
    """Write a COCO json, refusing to replace an existing file unless
    ``overwrite`` (the converters' ``--overwrite``)."""
    if osp.exists(path) and not overwrite:
        raise FileExistsError(
            f'{path} exists: nothing was written. Choose another --out-dir, '
            'or pass --overwrite to replace it')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(coco, f)
