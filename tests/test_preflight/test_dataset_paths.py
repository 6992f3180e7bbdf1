import pytest
from mmengine.config import Config

from mmext.preflight import check_dataset_paths


def _config(root: str, **dataset) -> Config:
    dataset = dict(
        dict(
            data_root=root,
            ann_file='annotations/instances_val.json',
            data_prefix=dict(img='val/')), **dataset)
    return Config(dict(val_dataloader=dict(dataset=dataset)))


def test_existing_paths_pass(demo_data_root):
    check_dataset_paths(_config(demo_data_root))
    # Remote paths are left to the file backend.
    check_dataset_paths(_config('s3://bucket/coco/'))


@pytest.mark.parametrize('override, message', [
    (dict(data_root='/no/such/dir'),
     "val_dataloader.dataset.data_root: directory '/no/such/dir'"),
    (dict(ann_file='annotations/absent.json'),
     "val_dataloader.dataset.ann_file: annotation file "
     "'annotations/absent.json' not found at"),
    (dict(data_prefix=dict(img='images/')),
     "val_dataloader.dataset.data_prefix['img']: image directory 'images/'"),
])
def test_missing_paths_name_the_config_key(demo_data_root, override, message):
    with pytest.raises(FileNotFoundError) as error:
        check_dataset_paths(_config(demo_data_root, **override))
    assert message in str(error.value)


def test_wrapped_datasets_are_checked(demo_data_root):
    inner = _config(demo_data_root, ann_file='nope.json').val_dataloader
    cfg = Config(
        dict(
            train_dataloader=dict(
                dataset=dict(
                    type='ConcatDataset',
                    datasets=[
                        dict(
                            type='RepeatDataset',
                            times=2,
                            dataset=inner.dataset)
                    ]))))
    with pytest.raises(
            FileNotFoundError, match=r'datasets\[0\]\.dataset\.ann_file'):
        check_dataset_paths(cfg)


def test_demo_paths_hint_at_the_generator():
    with pytest.raises(FileNotFoundError, match='make_demo_data.py'):
        check_dataset_paths(_config('data/demo_det_missing/'))
