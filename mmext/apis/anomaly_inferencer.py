import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import mmcv
import numpy as np
import torch
from mmengine.dataset import Compose
from mmengine.fileio import isdir, join_path, list_dir_or_file
from mmengine.infer.infer import BaseInferencer, ModelType
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmengine.utils import mkdir_or_exist
from mmseg.structures import SegDataSample

from mmext.visualization import check_anomaly_visualizer

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                    '.tiff', '.webp')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm')
InputType = Union[str, np.ndarray]


class AnomalyInferencer(BaseInferencer):
    """Anomaly detection inference, mmdet's ``DetInferencer`` for anomaly
    models (:class:`DMDD`).

    Inputs: an image path, a BGR array, a folder (its images, sorted), a
    video (its frames) or a list of these. Per image it returns the image
    score, the anomaly map (``(H, W)`` in [0, 1] at the image's size) and,
    with a ``threshold``, the binary mask ``anomaly_map >= threshold`` and
    the decision ``pred_score >= threshold``; it draws the image | heat map
    | overlay panel of :class:`AnomalyLocalVisualizer`.

    Example:
        >>> inferencer = AnomalyInferencer(
        ...     'configs/dmdd/dmdd_r18_800it_demo-brick.py', 'latest.pth')
        >>> result = inferencer('data/demo_ad/brick/test/crack',
        ...                     out_dir='outputs', threshold=0.5)
        >>> result['predictions'][0]['pred_score']

    Args:
        model (str | dict | Config): Config file or config.
        weights (str, optional): Checkpoint.
        device (str, optional): Device, e.g. ``'cuda:0'`` (default: the
            first available).
        scope (str): Registry scope of the config.
        show_progress (bool): Show a progress bar over the batches.
    """
    preprocess_kwargs: set = set()
    forward_kwargs: set = {'threshold'}
    visualize_kwargs: set = {
        'return_vis', 'show', 'wait_time', 'draw_pred', 'img_out_dir'
    }
    postprocess_kwargs: set = {
        'print_result', 'pred_out_dir', 'return_datasamples'
    }

    def __init__(self,
                 model: ModelType,
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: str = 'mmext',
                 show_progress: bool = True) -> None:
        init_default_scope(scope)
        super().__init__(
            model=model,
            weights=weights,
            device=device,
            scope=scope,
            show_progress=show_progress)
        check_anomaly_visualizer(self.visualizer, 'AnomalyInferencer')

    def __call__(self,
                 inputs: Union[InputType, Sequence[InputType]],
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 out_dir: str = '',
                 no_save_vis: bool = False,
                 no_save_pred: bool = False,
                 **kwargs) -> Dict:
        """Run on ``inputs``; ``out_dir`` receives the panels (``vis/``,
        unless ``no_save_vis``) and the predictions (``preds/``, unless
        ``no_save_pred``), as ``DetInferencer`` does. Other keywords:
        ``threshold``, ``show``, ``wait_time``, ``return_vis``,
        ``draw_pred``, ``print_result``."""
        if out_dir and not no_save_vis:
            kwargs.setdefault('img_out_dir', out_dir)
        if out_dir and not no_save_pred:
            kwargs.setdefault('pred_out_dir', out_dir)
        return super().__call__(inputs, return_datasamples, batch_size,
                                **kwargs)

    @torch.no_grad()
    def forward(self,
                inputs: dict,
                threshold: Optional[float] = None) -> List[SegDataSample]:
        """The model's predictions; with a threshold also the binary mask
        (``pred_sem_seg``, 1 anomalous) and the decision (``pred_label``)."""
        preds = self.model.test_step(inputs)
        if threshold is not None:
            for pred in preds:
                pred.set_metainfo(dict(anomaly_threshold=threshold))
                pred.pred_sem_seg = PixelData(
                    data=(pred.pred_anomaly_map.data >= threshold).long())
                pred.pred_label = (pred.pred_score >= threshold).long()
        return preds

    def _init_pipeline(self, cfg) -> Compose:
        """The test pipeline without its mask loading, reading paths and
        arrays alike (mmdet's ``InferencerLoader``)."""
        pipeline = [
            step for step in cfg.test_dataloader.dataset.pipeline
            if step['type'].split('.')[-1] != 'LoadAnomalyMask'
        ]
        loaders = [
            i for i, step in enumerate(pipeline)
            if step['type'].split('.')[-1] == 'LoadImageFromFile'
        ]
        if not loaders:
            raise ValueError('test_dataloader.dataset.pipeline has no '
                             'LoadImageFromFile to read the inputs with')
        pipeline[loaders[0]] = dict(type='mmdet.InferencerLoader')
        return Compose(pipeline)

    def _inputs_to_list(
            self, inputs: Union[InputType,
                                Sequence[InputType]]) -> List[InputType]:
        """Expand folders to their images and videos to their frames."""
        items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        expanded: List[InputType] = []
        for item in items:
            if isinstance(item, str) and isdir(item):
                images = sorted(
                    list_dir_or_file(
                        item, list_dir=False, suffix=IMAGE_EXTENSIONS))
                if not images:
                    raise FileNotFoundError(
                        f'no image ({", ".join(IMAGE_EXTENSIONS)}) in {item!r}'
                    )
                expanded += [join_path(item, name) for name in images]
            elif isinstance(item,
                            str) and item.lower().endswith(VIDEO_EXTENSIONS):
                expanded += list(mmcv.VideoReader(item))
            elif isinstance(item, str) and not osp.isfile(item):
                raise FileNotFoundError(f'input {item!r} not found')
            else:
                expanded.append(item)
        return expanded

    def visualize(self,
                  inputs: List[InputType],
                  preds: List[SegDataSample],
                  return_vis: bool = False,
                  show: bool = False,
                  wait_time: float = 0,
                  draw_pred: bool = True,
                  img_out_dir: str = '') -> Optional[list]:
        """Draw each prediction's panel; write it to ``img_out_dir`` under
        the input's name (arrays and frames: ``00000000.png`` ...)."""
        if not (return_vis or show or img_out_dir):
            return None
        panels = []
        for index, (item, pred) in enumerate(zip(inputs, preds)):
            if isinstance(item, str):
                image = mmcv.imread(item, channel_order='rgb')
                name = osp.splitext(osp.basename(item))[0] + '.png'
            else:
                image = mmcv.bgr2rgb(item)
                name = f'{index:08d}.png'
            self.visualizer.add_datasample(
                name,
                image,
                pred,
                draw_pred=draw_pred,
                show=show,
                wait_time=wait_time,
                out_file=osp.join(img_out_dir, 'vis', name)
                if img_out_dir else None)
            panels.append(self.visualizer.get_image())
        return panels

    def postprocess(self,
                    preds: List[SegDataSample],
                    visualization: Optional[list] = None,
                    return_datasamples: bool = False,
                    print_result: bool = False,
                    pred_out_dir: str = '') -> Dict:
        """Predictions as dicts (or the data samples), written to
        ``pred_out_dir/preds`` as ``<name>.json`` (score, decision) and
        ``<name>.npy`` (the anomaly map, float32) when asked."""
        results = []
        for index, pred in enumerate(preds):
            result = dict(
                pred_score=float(pred.pred_score),
                anomaly_map=pred.pred_anomaly_map.data[0].cpu().numpy())
            if 'img_path' in pred:
                result['img_path'] = pred.img_path
            if 'pred_sem_seg' in pred:
                result['pred_mask'] = pred.pred_sem_seg.data[0].bool().cpu(
                ).numpy()
                result['is_anomalous'] = bool(pred.pred_label)
                result['threshold'] = pred.anomaly_threshold
            if pred_out_dir:
                self._write_prediction(result, index, pred_out_dir)
            results.append(result)
        if print_result:
            for result in results:
                print({
                    k: v
                    for k, v in result.items()
                    if k not in ('anomaly_map', 'pred_mask')
                })
        return dict(
            predictions=preds if return_datasamples else results,
            visualization=visualization)

    @staticmethod
    def _write_prediction(result: dict, index: int, out_dir: str) -> None:
        stem = (
            osp.splitext(osp.basename(result['img_path']))[0]
            if 'img_path' in result else f'{index:08d}')
        folder = osp.join(out_dir, 'preds')
        mkdir_or_exist(folder)
        np.save(osp.join(folder, stem + '.npy'), result['anomaly_map'])
        summary = {
            k: result[k]
            for k in ('img_path', 'pred_score', 'threshold', 'is_anomalous')
            if k in result
        }
        with open(osp.join(folder, stem + '.json'), 'w') as f:
            json.dump(summary, f, indent=2)
