"""MVTec AD, MVTec 3D-AD and VisA parsing on tiny generated trees."""
import csv
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmext.datasets import MVTec3DADDataset, MVTecADDataset, VisADataset


def _image(path, size=(6, 8)):
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, np.full((*size, 3), 128, np.uint8))


def make_mvtec(root, category='widget', mask_missing=False):
    base = osp.join(root, category)
    for i in range(3):
        _image(osp.join(base, 'train', 'good', f'{i:03d}.png'))
    _image(osp.join(base, 'test', 'good', '000.png'))
    for defect in ('crack', 'hole'):
        for i in range(2):
            _image(osp.join(base, 'test', defect, f'{i:03d}.png'))
            if not (mask_missing and defect == 'hole' and i == 1):
                _image(
                    osp.join(base, 'ground_truth', defect,
                             f'{i:03d}_mask.png'))
    return root


def test_mvtec_train_and_test_splits(tmp_path):
    root = make_mvtec(str(tmp_path))
    train = MVTecADDataset('widget', 'train', data_root=root)
    assert len(train) == 3
    info = train.get_data_info(0)
    assert info['anomaly_label'] == 0 and info['seg_map_path'] is None
    assert info['img_path'].endswith('widget/train/good/000.png')
    test = MVTecADDataset('widget', 'test', data_root=root, test_mode=True)
    infos = [test.get_data_info(i) for i in range(len(test))]
    assert [i['defect_type']
            for i in infos] == ['good'] + ['crack'] * 2 + ['hole'] * 2
    assert [i['anomaly_label'] for i in infos] == [0, 1, 1, 1, 1]
    assert infos[3]['seg_map_path'].endswith(
        'widget/ground_truth/hole/000_mask.png')
    assert all(i['category'] == 'widget' for i in infos)


def test_mvtec_errors_name_the_problem(tmp_path):
    root = make_mvtec(str(tmp_path), mask_missing=True)
    with pytest.raises(FileNotFoundError, match='hole/001.png.*no mask'):
        MVTecADDataset('widget', 'test', data_root=root)
    with pytest.raises(FileNotFoundError, match="'bottle' not found.*widget"):
        MVTecADDataset('bottle', data_root=root)
    with pytest.raises(FileNotFoundError, match='data_root'):
        MVTecADDataset('widget', data_root=str(tmp_path / 'nowhere'))
    with pytest.raises(ValueError, match='split'):
        MVTecADDataset('widget', 'val', data_root=root)
    os.makedirs(tmp_path / 'empty' / 'cat' / 'train' / 'good')
    with pytest.raises(FileNotFoundError, match='no train images'):
        MVTecADDataset('cat', data_root=str(tmp_path / 'empty'))


def test_mvtec_3d_layout(tmp_path):
    base = tmp_path / 'bagel'
    _image(str(base / 'train' / 'good' / 'rgb' / '000.png'))
    _image(str(base / 'test' / 'good' / 'rgb' / '000.png'))
    _image(str(base / 'test' / 'crack' / 'rgb' / '000.png'))
    _image(str(base / 'test' / 'crack' / 'gt' / '000.png'))
    test = MVTec3DADDataset('bagel', 'test', data_root=str(tmp_path))
    assert len(test) == 2
    assert test.get_data_info(1)['seg_map_path'].endswith(
        'bagel/test/crack/gt/000.png')
    assert len(MVTec3DADDataset('bagel', data_root=str(tmp_path))) == 1


def test_visa_split_csv(tmp_path):
    rows = [
        ('candle', 'train', 'normal', 'candle/Data/Images/Normal/0.JPG', ''),
        ('candle', 'test', 'normal', 'candle/Data/Images/Normal/1.JPG', ''),
        ('candle', 'test', 'anomaly', 'candle/Data/Images/Anomaly/0.JPG',
         'candle/Data/Masks/Anomaly/0.png'),
        ('pcb1', 'test', 'normal', 'pcb1/Data/Images/Normal/0.JPG', '')
    ]
    for row in rows:
        for path in row[3:]:
            if path:
                _image(str(tmp_path / path))
    os.makedirs(tmp_path / 'split_csv')
    with open(tmp_path / 'split_csv' / '1cls.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['object', 'split', 'label', 'image', 'mask'])
        writer.writerows(rows)
    test = VisADataset('candle', 'test', data_root=str(tmp_path))
    infos = [test.get_data_info(i) for i in range(len(test))]
    assert [i['anomaly_label'] for i in infos] == [0, 1]
    assert infos[1]['seg_map_path'].endswith('Masks/Anomaly/0.png')
    assert len(VisADataset('candle', data_root=str(tmp_path))) == 1
    with pytest.raises(ValueError, match="no train image of category 'x'"):
        VisADataset('x', data_root=str(tmp_path))
    os.remove(tmp_path / 'candle/Data/Masks/Anomaly/0.png')
    with pytest.raises(FileNotFoundError, match='line 4'):
        VisADataset('candle', 'test', data_root=str(tmp_path))


def test_demo_anomaly_set_loads(demo_ad_root):
    for category in ('brick', 'gravel'):
        train = MVTecADDataset(category, 'train', data_root=demo_ad_root)
        test = MVTecADDataset(category, 'test', data_root=demo_ad_root)
        assert len(train) == 16 and len(test) == 4 + 3 * 4
        info = test.get_data_info(len(test) - 1)
        mask = cv2.imread(info['seg_map_path'], cv2.IMREAD_GRAYSCALE)
        image = cv2.imread(info['img_path'])
        assert mask.shape == image.shape[:2]
        assert set(np.unique(mask)) == {0, 255}
