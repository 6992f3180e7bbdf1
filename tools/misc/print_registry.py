"""List mmext's modules per registry, as configs name them.

Usage::

    python tools/misc/print_registry.py [REGISTRY ...]

e.g. ``python tools/misc/print_registry.py model hook``. Configs with
``default_scope='mmext'`` use the plain names; others write ``mmext.<name>``.
"""
import argparse
import sys

from mmext.utils import list_modules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        'registries', nargs='*', help='registries to list (default: all)')
    args = parser.parse_args()
    modules = list_modules()
    unknown = sorted(set(args.registries) - set(modules))
    if unknown:
        sys.exit(f'no mmext module in registries {unknown}; registries with '
                 f'mmext modules: {sorted(modules)}')
    for name in args.registries or sorted(modules):
        print(f'{name} ({len(modules[name])}):')
        for module in modules[name]:
            print(f'  mmext.{module}')


if __name__ == '__main__':
    main()
