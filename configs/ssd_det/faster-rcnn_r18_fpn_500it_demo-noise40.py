# Baseline of the SSD-Det demo: Faster R-CNN R-18 FPN from scratch trained
# directly on the demo set's 40%-noise boxes (make_noisy_coco.py; `make
# data`), evaluated on the clean val set. The detector and schedule are the
# MixTeacher demo's supervised baseline with 4 images a batch on the full
# training set.
_base_ = '../mixteacher/faster-rcnn_r18_fpn_sup-only_500it_demo-semi-0.1.py'

train_dataloader = dict(
    batch_size=4,
    dataset=dict(ann_file='noisy_anns/instances_train_noise40.json'))
