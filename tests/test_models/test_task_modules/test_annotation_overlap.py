"""Which detections duplicate an annotated box, which are correct."""
import torch

from mmext.models.task_modules.calibration import (covers_annotation,
                                                   matches_annotation)

GT = torch.tensor([[0., 0., 10., 10.]])
GT_LABEL = torch.tensor([0])


def boxes(*rows):
    return torch.tensor(rows, dtype=torch.float32)


def test_covers_annotation_rules():
    det = boxes(
        [0, 0, 10, 6.5],  # IoU 0.65, same class: duplicate
        [0, 0, 10, 6.5],  # IoU 0.65, other class: not
        [0, 0, 10, 8],  # IoU 0.8, other class: duplicate whatever the class
        [2, 2, 6, 6],  # inside the annotation, same class: duplicate
        [2, 2, 6, 6],  # inside, other class: not
        [-5, -5, 15, 15],  # contains it (IoU 0.25), same class: duplicate
        [20, 20, 30, 30])  # elsewhere: not
    labels = torch.tensor([0, 1, 1, 0, 1, 0, 0])
    covered = covers_annotation(det, labels, GT, GT_LABEL)
    assert covered.tolist() == [True, False, True, True, False, True, False]


def test_matches_annotation_needs_class_and_iou():
    det = boxes([0, 0, 10, 8], [0, 0, 10, 8], [0, 0, 10, 7])
    labels = torch.tensor([0, 1, 0])
    correct = matches_annotation(det, labels, GT, GT_LABEL, iou_thr=0.75)
    assert correct.tolist() == [True, False, False]


def test_no_annotations_or_no_detections():
    det = boxes([0, 0, 10, 10])
    empty = torch.zeros(0, 4)
    no_labels = torch.zeros(0, dtype=torch.long)
    assert covers_annotation(det, GT_LABEL, empty,
                             no_labels).tolist() == [False]
    assert matches_annotation(empty, no_labels, GT, GT_LABEL,
                              0.5).shape == (0, )
