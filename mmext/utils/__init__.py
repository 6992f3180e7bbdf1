from .converter_cli import coco_converter_parser
from .progress import ProgressLines, progress_bar
from .setup_env import list_modules, register_all_modules

__all__ = [
    'ProgressLines', 'coco_converter_parser', 'list_modules', 'progress_bar',
    'register_all_modules'
]
