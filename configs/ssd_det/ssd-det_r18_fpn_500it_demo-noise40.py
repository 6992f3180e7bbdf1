# SSD-Det's refinement network, ResNet-18 + FPN from scratch, on mmext's demo
# set with 40% box noise (make_noisy_coco.py; `make data`). Step 1 of the
# demo pipeline (configs/ssd_det/README.md):
#   python tools/train.py configs/ssd_det/ssd-det_r18_fpn_500it_demo-noise40.py
#   python tools/test.py \
#       configs/ssd_det/ssd-det_r18_fpn_500it_demo-noise40.py \
#       work_dirs/ssd-det_r18_fpn_500it_demo-noise40/iter_500.pth
# The test writes the refined training json that
# faster-rcnn_r18_fpn_500it_demo-noise40-refined.py trains on, and reports the
# mean IoU of noisy and refined boxes to the clean ones.
_base_ = [
    '../_base_/models/ssd-det_r50_fpn.py', '../_base_/datasets/demo_det.py',
    '../_base_/schedules/demo_adamw_500it.py'
]

model = dict(
    # From scratch with group norm: BN statistics of 4 small images are noisy.
    backbone=dict(
        depth=18,
        frozen_stages=-1,
        norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=64, norm_cfg=None),
    bbox_head=dict(
        num_classes=6,
        # mmcv's CPU RoIAlign dominates a CPU step (a bag is 125 RoIs a
        # box, extracted three times): one sample a bin.
        bbox_roi_extractor=dict(
            type='mmext.SingleRoIExtractor',
            roi_layer=dict(
                type='mmext.RoIAlign', output_size=7, sampling_ratio=1),
            out_channels=64,
            featmap_strides=[4, 8, 16, 32]),
        in_channels=64,
        fc_channels=256),
    # 200 background boxes an image (the authors' 500 on 800 px images).
    train_cfg=dict(num_negatives=200))

data_root = 'data/demo_det/'
noisy_ann_file = 'noisy_anns/instances_train_noise40.json'
refined_ann_file = 'noisy_anns/instances_train_noise40_refined.json'
train_dataloader = dict(
    batch_size=4,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(ann_file=noisy_ann_file))

# Validation and test refine the (noisy) training set itself.
# Boxes are loaded before the resize: the network refines them at its input
# scale (mmdet's test pipelines load them after, for evaluation).
refine_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor', 'ann_ids'))
]
val_dataloader = dict(
    dataset=dict(
        type='mmext.CocoWithAnnIdsDataset',
        metainfo=dict(
            classes=('astronaut', 'shuttle', 'rocket', 'cat', 'cup', 'coin')),
        ann_file=noisy_ann_file,
        data_prefix=dict(img='train/'),
        pipeline=refine_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True,
    type='mmext.BoxRefinementMetric',
    ann_file=data_root + noisy_ann_file,
    clean_ann_file=data_root + 'annotations/instances_train.json',
    outfile=data_root + refined_ann_file)
test_evaluator = val_evaluator

default_hooks = dict(checkpoint=dict(interval=250))
