import argparse


def coco_converter_parser(description: str,
                          ann_file_help: str) -> argparse.ArgumentParser:
    """The command line the dataset converters
    (``tools/dataset_converters/``) share: the input COCO json, the output
    folder and ``--overwrite``; each converter adds its own options."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('ann_file', help=ann_file_help)
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace output files that exist already (refused by default)')
    return parser
