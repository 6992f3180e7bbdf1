# What an mmdet R-50 FPN detector changes to run Detectron2's ImageNet
# ResNet-50 "caffe" weights (as mmdet's *_r50-caffe_fpn_* configs): BGR
# images with unit std, frozen BN, caffe-style strides. Configs apply them
# to their detector: ``detector.data_preprocessor = r50_caffe_preprocessor``
# and ``detector.backbone.update(r50_caffe_backbone)``.
r50_caffe_preprocessor = dict(
    type='DetDataPreprocessor',
    mean=[103.530, 116.280, 123.675],
    std=[1.0, 1.0, 1.0],
    bgr_to_rgb=False,
    pad_size_divisor=32)
r50_caffe_backbone = dict(
    norm_cfg=dict(type='BN', requires_grad=False),
    style='caffe',
    init_cfg=dict(
        type='Pretrained',
        checkpoint='open-mmlab://detectron2/resnet50_caffe'))
