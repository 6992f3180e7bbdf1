# Augmentation spaces and meta keys of teacher-student pipelines, as in
# mmdet's semi_coco_detection.py (which also defines COCO dataloaders):
# RandAugment colour and geometric operations, and the meta keys (with the
# homography matrix) that let a detector map boxes between a weak and a
# strong view of one image.
color_space = [
    [dict(type='ColorTransform')],
    [dict(type='AutoContrast')],
    [dict(type='Equalize')],
    [dict(type='Sharpness')],
    [dict(type='Posterize')],
    [dict(type='Solarize')],
    [dict(type='Color')],
    [dict(type='Contrast')],
    [dict(type='Brightness')],
]
geometric = [
    [dict(type='Rotate')],
    [dict(type='ShearX')],
    [dict(type='ShearY')],
    [dict(type='TranslateX')],
    [dict(type='TranslateY')],
]
semi_meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape',
                  'scale_factor', 'flip', 'flip_direction',
                  'homography_matrix')
