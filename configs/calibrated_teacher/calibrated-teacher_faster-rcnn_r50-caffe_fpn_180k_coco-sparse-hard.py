# Calibrated Teacher + FIoU, faster-rcnn R-50-caffe FPN, COCO "hard" sparse
# annotations; everything else as the "easy" config.
_base_ = ('./calibrated-teacher_faster-rcnn_r50-caffe_fpn_180k_'
          'coco-sparse-easy.py')

train_dataloader = dict(
    dataset=dict(ann_file='sparse_anns/instances_train2017_hard.json'))
