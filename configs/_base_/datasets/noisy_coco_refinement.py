# COCO train2017 with noisy boxes (tools/dataset_converters/make_noisy_coco.py
# writes noisy_anns/instances_train2017_noise{NN}.json) for SSD-Det: training
# on the noisy boxes; validation and test refine the training set itself and
# write the refined json (mmext.BoxRefinementMetric), scored against the clean
# annotations. Configs set the level's files (see ssd-det_*_coco-noise*.py).
_base_ = 'mmdet::_base_/datasets/coco_detection.py'

data_root = 'data/coco/'
train_dataloader = dict(
    dataset=dict(
        ann_file='noisy_anns/instances_train2017_noise40.json',
        data_prefix=dict(img='train2017/')))
# Boxes are loaded before the resize: the network refines them at its input
# scale (mmdet's test pipelines load them after, for evaluation).
refine_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor', 'ann_ids'))
]
val_dataloader = dict(
    dataset=dict(
        type='mmext.CocoWithAnnIdsDataset',
        ann_file='noisy_anns/instances_train2017_noise40.json',
        data_prefix=dict(img='train2017/'),
        pipeline=refine_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True,
    type='mmext.BoxRefinementMetric',
    ann_file=data_root + 'noisy_anns/instances_train2017_noise40.json',
    clean_ann_file=data_root + 'annotations/instances_train2017.json',
    outfile=data_root +
    'noisy_anns/instances_train2017_noise40_refined.json')
test_evaluator = val_evaluator
