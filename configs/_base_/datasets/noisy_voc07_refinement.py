# PASCAL VOC 2007 trainval with noisy boxes for SSD-Det: the VOC xmls
# converted to COCO json by mmdet's tools/dataset_converters/pascal_voc.py
# (annotations/voc07_trainval.json; "difficult" objects become crowd regions,
# which stay clean), then make_noisy_coco.py (noisy_anns/
# voc07_trainval_noise{NN}.json). Short side 600, as the authors' VOC configs.
# Validation and test refine the training set (see noisy_coco_refinement.py).
_base_ = './noisy_coco_refinement.py'

data_root = 'data/VOCdevkit/'
metainfo = dict(
    classes=('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
             'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse',
             'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
             'tvmonitor'))
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1000, 600), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
refine_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1000, 600), keep_ratio=True),
    _base_.refine_pipeline[-1]
]
train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='noisy_anns/voc07_trainval_noise40.json',
        data_prefix=dict(img=''),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='noisy_anns/voc07_trainval_noise40.json',
        data_prefix=dict(img=''),
        pipeline=refine_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=data_root + 'noisy_anns/voc07_trainval_noise40.json',
    clean_ann_file=data_root + 'annotations/voc07_trainval.json',
    outfile=data_root + 'noisy_anns/voc07_trainval_noise40_refined.json')
test_evaluator = val_evaluator
