# MixTeacher on PASCAL VOC: VOC07 trainval labeled, VOC12 trainval unlabeled,
# evaluated on VOC07 test with COCO-style AP50 and AP50:95 like the paper.
# 4 images a GPU (2 labeled + 2 unlabeled), 40k iterations at a constant lr,
# as the authors. The jsons come from mmdet's VOC converter (README.md).
_base_ = './mixteacher_faster-rcnn_r50-caffe_fpn_180k_semi-0.1-coco.py'

classes = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
           'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike',
           'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')
metainfo = dict(classes=classes)
data_root = 'data/VOCdevkit/'

model = dict(
    detector=dict(roi_head=dict(bbox_head=dict(num_classes=20))),
    semi_train_cfg=dict(unsup_weight=2.0))

labeled_dataset = _base_.labeled_dataset
unlabeled_dataset = _base_.unlabeled_dataset
labeled_dataset.update(
    data_root=data_root,
    metainfo=metainfo,
    ann_file='annotations_json/voc07_trainval.json',
    data_prefix=dict(img=''))
unlabeled_dataset.update(
    data_root=data_root,
    metainfo=metainfo,
    ann_file='annotations_json/voc12_trainval.json',
    data_prefix=dict(img=''))
train_dataloader = dict(
    batch_size=4,
    sampler=dict(batch_size=4, source_ratio=[1, 1]),
    dataset=dict(datasets=[labeled_dataset, unlabeled_dataset]))

val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations_json/voc07_test.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations_json/voc07_test.json')
test_evaluator = val_evaluator

max_iters = 40000
train_cfg = dict(max_iters=max_iters, val_interval=4000)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500)
]
