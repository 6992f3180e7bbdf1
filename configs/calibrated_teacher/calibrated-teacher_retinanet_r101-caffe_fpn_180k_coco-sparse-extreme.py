# Calibrated Teacher + FIoU, RetinaNet R-101-caffe FPN (the authors'
# backbone), COCO "extreme" sparse annotations; everything else as the "easy"
# config.
_base_ = ('./calibrated-teacher_retinanet_r101-caffe_fpn_180k_'
          'coco-sparse-easy.py')

train_dataloader = dict(
    dataset=dict(ann_file='sparse_anns/instances_train2017_extreme.json'))
