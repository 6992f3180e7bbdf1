# SSD-Det's refinement network (mmext.SSDDet) with ResNet-50 + FPN, the
# authors' settings (ucas-vg/PointTinyBenchmark, branch SSD-Det,
# ENoiseBoxPLUS_r50_fpn_1x): ImageNet ResNet-50, FPN with group norm, RoIAlign
# 7x7 on P2-P5, 2-fc (1024) heads, the bag of the 30-40% noise levels.
model = dict(
    type='mmext.SSDDet',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='FPN',
        in_channels=[256, 512, 1024, 2048],
        out_channels=256,
        num_outs=4,
        norm_cfg=dict(type='GN', num_groups=32, requires_grad=True)),
    bbox_head=dict(
        type='mmext.SSDRefineHead',
        num_classes=80,
        scale_ratios=(1., 1.2, 1.3, 0.8, 0.7),
        shift_ratios=(0.2, ),
        topk=7),
    train_cfg=dict(num_negatives=500, negative_iou_thr=0.3))
