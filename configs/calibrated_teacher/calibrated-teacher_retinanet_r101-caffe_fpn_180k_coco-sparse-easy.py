# Calibrated Teacher + FIoU, RetinaNet R-101-caffe FPN, COCO "easy" sparse
# annotations: the authors' released run (Whileherham/CalibratedTeacher@
# 0a27de8, configs/WHH_cali_retina/cali_04_07.py:5 and configs/
# WHH_cali_retina_focaliou/cali_04_07_focaldefault.py:6: depth 101, caffe
# style, frozen BN; their checkpoint path is left blank, mmdet's Detectron2
# caffe R-101 here). Everything else as the R-50 config, which is mmext's
# variant with the smaller backbone.
_base_ = ('./calibrated-teacher_retinanet_r50-caffe_fpn_180k_'
          'coco-sparse-easy.py')

model = dict(
    detector=dict(
        backbone=dict(
            depth=101,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='open-mmlab://detectron2/resnet101_caffe'))))
