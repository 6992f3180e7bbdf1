"""Export a trained mmext model to ONNX (standard operators only).

Usage::

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT OUT.onnx \\
        [--shape N H W] [--overwrite]

Covers DMDD (anomaly maps and image scores), single-stage detectors
(RetinaNet, ATSS, FCOS, GFL, TOOD, with FPN or RCNet: the head's raw
outputs; decoding and NMS run beside the graph, see
``mmext.deployment.attach_onnxruntime``), two-stage detectors (Faster
R-CNN with FPN or RCNet, MixTeacher's mixed-scale one: OUT.onnx and
OUT.roi_head.onnx, proposals decoded between them) and the teacher-student
wrappers (the teacher or student they predict with). ``--shape`` is the
example input (normalised images after the data preprocessor: give the
padded size the test pipeline produces). Batch and image size stay dynamic
where the model allows it; otherwise the file records the one shape it runs
at.
"""
import argparse

from mmext.deployment import export_onnx, load_model
from mmext.deployment.onnx_export import roi_head_file


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Export to ONNX')
    parser.add_argument(
        'config', help='the config the model was trained '
        'with')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('out', help='the .onnx file to write')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=3,
        default=[1, 256, 256],
        metavar=('N', 'H', 'W'),
        help='batch size, height and width of the example input')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace OUT if it exists (refused by default)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not args.out.endswith('.onnx'):
        raise ValueError(f'the output must be a .onnx file, got {args.out!r}')
    model = load_model(args.config, args.checkpoint)
    n, h, w = args.shape
    metadata = export_onnx(model, args.out, (n, 3, h, w), args.overwrite)
    shape = metadata.get('mmext_input_shape', 'dynamic batch and size')
    files = ' and '.join([args.out] +
                         ([roi_head_file(args.out)] if 'mmext_roi_head_file' in
                          metadata else []))
    print(f'wrote {files} ({metadata["mmext_task"]}, inputs: {shape})')


if __name__ == '__main__':
    main()
