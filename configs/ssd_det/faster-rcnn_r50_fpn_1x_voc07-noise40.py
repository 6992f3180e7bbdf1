# Baseline: mmdet's Faster R-CNN R-50 FPN (VOC, COCO-json format, 3 x 4
# epochs) trained on VOC 2007 trainval with 40% box noise, evaluated on the
# clean VOC 2007 test (COCO-style metric; the papers report its mAP@0.5,
# bbox_mAP_50). Jsons from mmdet's tools/dataset_converters/pascal_voc.py and
# make_noisy_coco.py.
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712-cocofmt.py'

# Plain names resolve in mmext's registries first, then in mmdet's.
default_scope = 'mmext'

# mmcv's RoIAlign results on every CPU thread (mmcv's kernel on CUDA)
model = dict(
    roi_head=dict(
        bbox_roi_extractor=dict(
            type='mmext.SingleRoIExtractor',
            roi_layer=dict(type='mmext.RoIAlign'))))

train_dataloader = dict(
    dataset=dict(
        dataset=dict(ann_file='noisy_anns/voc07_trainval_noise40.json')))
