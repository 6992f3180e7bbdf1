"""The image-level checks the tools run before a run: every image a COCO
json names exists, and its header (not its pixels) gives the size the json
says. ``tools/misc/check_dataset.py`` decodes every image instead."""
import os
import os.path as osp
from typing import Dict, Iterator, List, Optional, Set, Tuple

from mmengine.config import Config
from PIL import Image, UnidentifiedImageError

from .dataset_paths import _is_local, config_datasets, dataset_json

# Headers read per dataset before a run (a few seconds); beyond it, that
# many images evenly spread over the file. Existence is checked for all.
MAX_HEADERS = 5000
# EXIF orientations that turn the image by 90 degrees: mmcv's decoder
# (OpenCV) applies them, so the decoded width and height swap.
_TRANSPOSING_ORIENTATIONS = (5, 6, 7, 8)
_EXIF_ORIENTATION = 0x0112


def decoded_size(path: str) -> Optional[Tuple[int, int]]:
    """``(width, height)`` of an image as mmcv decodes it, from its header
    only; ``None`` when the file is not an image PIL can identify."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(_EXIF_ORIENTATION)
    except (UnidentifiedImageError, OSError):
        return None
    if orientation in _TRANSPOSING_ORIENTATIONS:
        width, height = height, width
    return width, height


def _files_in(directory: str, cache: Dict[str, Set[str]]) -> Set[str]:
    """The names in ``directory`` (listed once: one call instead of one
    ``stat`` per image)."""
    if directory not in cache:
        cache[directory] = set(
            os.listdir(directory)) if osp.isdir(directory) else set()
    return cache[directory]


def _image_datasets(cfg: Config) -> Iterator[Tuple[str, str, str]]:
    """``(config key, json path, image directory)`` of each distinct COCO
    dataset of the config's dataloaders."""
    seen = set()
    for key, dataset in config_datasets(cfg):
        json_path = dataset_json(dataset)
        image_dir = osp.join(
            dataset.get('data_root') or '', (dataset.get('data_prefix')
                                             or {}).get('img', ''))
        if not (json_path and _is_local(image_dir) and osp.isfile(json_path)):
            continue
        if (json_path, image_dir) not in seen:
            seen.add((json_path, image_dir))
            yield key, json_path, image_dir


def check_images(
        cfg: Config,
        jsons,
        max_headers: int = MAX_HEADERS) -> Tuple[List[str], List[str]]:
    """Check the images of every COCO dataset of a config.

    Every image named in a json must exist; the headers of up to
    ``max_headers`` of them per dataset are read and their size (after EXIF
    orientation, as mmcv decodes) compared with the json's.

    Args:
        cfg (Config): the config.
        jsons (JsonCache): the loaded jsons (``annotation_check``).
        max_headers (int): headers read per dataset at most.

    Returns:
        ``(errors, notes)``: the problems, and what was not read.
    """
    errors, notes, listings = [], [], {}
    for key, json_path, image_dir in _image_datasets(cfg):
        images = jsons.load(json_path).get('images', [])
        step = max(1, -(-len(images) // max_headers))
        if step > 1:
            notes.append(
                f'{key}: read the headers of {len(images[::step])} of its '
                f'{len(images)} images (every {step}th); all exist. '
                '`tools/misc/check_dataset.py CONFIG` reads every image')
        for index, image in enumerate(images):
            name = image.get('file_name', '')
            path = osp.join(image_dir, name)
            where = f'{key}: image id {image.get("id")} ({path})'
            if osp.basename(name) not in _files_in(
                    osp.dirname(path), listings):
                errors.append(f'{where} is missing')
                continue
            if index % step:
                continue
            size = decoded_size(path)
            expected = (image.get('width'), image.get('height'))
            if size is None:
                errors.append(f'{where} is not a readable image')
            elif size != expected:
                errors.append(f'{where} is {size[0]}x{size[1]}, its '
                              f'annotations say {expected[0]}x{expected[1]} '
                              '(boxes would be misplaced)')
    return errors, notes
