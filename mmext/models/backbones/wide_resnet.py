from mmdet.models.backbones.resnet import Bottleneck, ResNet

from mmext.registry import MODELS


class WideBottleneck(Bottleneck):
    """A bottleneck whose inner width is the stage's ``planes`` and whose
    output is ``2 x planes``: with ``planes`` twice ResNet's this is the
    wide bottleneck of WRN-50-2 (inner width doubled, output unchanged)."""
    expansion = 2


@MODELS.register_module()
class WideResNet(ResNet):
    """Wide ResNet (Zagoruyko & Komodakis, BMVC 2016) in torchvision's form,
    ``wide_resnet50_2`` / ``wide_resnet101_2``: ResNet's stem and stages with
    bottlenecks twice as wide inside. Parameter names match torchvision's,
    so ``init_cfg=dict(type='Pretrained',
    checkpoint='torchvision://wide_resnet50_2')`` loads ImageNet weights.
    Stage outputs: 256, 512, 1024, 2048 channels. Other arguments as mmdet's
    :class:`~mmdet.models.backbones.ResNet`.
    """
    arch_settings = {
        50: (WideBottleneck, (3, 4, 6, 3)),
        101: (WideBottleneck, (3, 4, 23, 3)),
    }

    def __init__(self,
                 depth: int = 50,
                 stem_channels: int = 64,
                 base_channels: int = 128,
                 **kwargs) -> None:
        super().__init__(
            depth=depth,
            stem_channels=stem_channels,
            base_channels=base_channels,
            **kwargs)
