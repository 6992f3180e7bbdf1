import re

__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Split a version string into a tuple: ``'0.1.0rc1'`` ->
    ``(0, 1, 0, 'rc1')``."""
    info = []
    for part in version_str.split('.'):
        number, suffix = re.match(r'(\d*)(.*)', part).groups()
        info.extend([int(number)] if number else [])
        info.extend([suffix] if suffix else [])
    return tuple(info)


version_info = parse_version_info(__version__)
