import torch

from mmext.models import WideResNet


def test_wide_resnet50_matches_torchvision_layout():
    model = WideResNet(depth=50, out_indices=(0, 1, 2, 3))
    # torchvision's wide_resnet50_2 has 68,883,240 parameters, 2,049,000 of
    # them in the classifier this backbone leaves out.
    assert sum(p.numel() for p in model.parameters()) == 68_883_240 - 2_049_000
    block = model.layer1[0]
    assert block.conv1.out_channels == 128  # twice ResNet-50's 64
    assert block.conv3.out_channels == 256
    names = set(model.state_dict())
    assert {
        'conv1.weight', 'bn1.running_mean', 'layer1.0.downsample.0.weight',
        'layer3.5.conv2.weight', 'layer4.2.bn3.bias'
    } <= names
    outs = model(torch.zeros(1, 3, 64, 64))
    assert [o.shape[1:] for o in outs] == [(256, 16, 16), (512, 8, 8),
                                           (1024, 4, 4), (2048, 2, 2)]
