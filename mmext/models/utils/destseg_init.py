# DeSTSeg's initialisation of its student's and segmentation network's
# convolutions (BN layers keep PyTorch's ones and zeros).
DESTSEG_CONV_INIT = dict(
    type='Kaiming', layer='Conv2d', mode='fan_out', nonlinearity='relu')
