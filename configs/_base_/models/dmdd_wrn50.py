# DMDD (Liu et al., ACM MM 2024): ImageNet WideResNet-50 teacher (stages 1-3,
# frozen), DeSTSeg's randomly initialised ResNet-18 encoder-decoder as the
# decoupled student, multi-perception segmentation head. Inputs 256 x 256.
teacher_channels = (256, 512, 1024)
model = dict(
    type='mmext.DMDD',
    data_preprocessor=dict(
        type='mmext.AnomalyDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        size=(256, 256)),
    teacher=dict(
        type='mmext.WideResNet',
        depth=50,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(0, 1, 2),
        frozen_stages=3,
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='torchvision://wide_resnet50_2')),
    student=dict(
        type='mmext.DecoupledStudent',
        encoder=dict(
            type='ResNet', depth=18, out_indices=(0, 1, 2, 3), init_cfg=None),
        encoder_channels=512,
        out_channels=teacher_channels),
    seg_head=dict(
        type='mmext.MultiPerceptionSegHead', in_channels=teacher_channels),
    distill_loss=dict(
        type='mmext.DualModelingDistillationLoss',
        normality_weight=1.0,
        abnormality_weight=1.0,
        margin=0.0),
    # DeSTSeg's focal loss (gamma 4, no alpha: alpha 0.5 halves both
    # classes, the weight 2 undoes it) and L1 loss on the probabilities.
    loss_focal=dict(
        type='FocalLoss',
        use_sigmoid=True,
        gamma=4.0,
        alpha=0.5,
        loss_weight=2.0),
    loss_l1=dict(type='L1Loss', loss_weight=1.0),
    distill_iters=1000,
    image_score_topk=100,
    # DeSTSeg's evaluation at the input size (see ../datasets/mvtec_ad.py)
    map_size='input')
# The distillation stage leaves the segmentation head out of the graph.
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
