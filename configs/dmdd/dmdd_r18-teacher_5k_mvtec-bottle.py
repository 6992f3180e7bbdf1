# DMDD with DeSTSeg's teacher, an ImageNet ResNet-18 (apple/ml-destseg@
# f6ea31f: model/destseg.py:9-18), in place of the WideResNet-50 of the
# dmdd_wrn50 configs: which teacher the DMDD paper used is not stated in any
# public source, so both are offered (the WRN-50 one is a reading). Other
# categories: change `category` (and the rotation pipeline as those configs).
_base_ = './dmdd_wrn50_5k_mvtec-bottle.py'
teacher_channels = (64, 128, 256)
# The teacher's other settings (stages 1-3, frozen) are the base's.
model = dict(
    teacher=dict(
        type='ResNet',
        depth=18,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    student=dict(out_channels=teacher_channels),
    seg_head=dict(in_channels=teacher_channels))
