"""Top-level config keys that no part of a run reads (a misspelt
``modle = dict(...)`` would otherwise leave the base model training
without a word)."""
import ast
import difflib
import inspect
import os.path as osp
import tempfile
from typing import Iterable, List, Set

from mmengine.config import Config
from mmengine.runner import Runner

# Read by mmengine's Config and Runner.from_cfg besides Runner's arguments,
# and by the tools (runner_type, launcher).
_READ_BESIDES_RUNNER_ARGS = {
    '_base_', 'custom_imports', 'runner_type', 'model_wrapper_cfg', 'launcher',
    'env_cfg', 'log_level', 'dist_cfg'
}


def runner_keys() -> Set[str]:
    """The top-level keys mmengine's runner reads."""
    params = inspect.signature(Runner.__init__).parameters
    return (set(params) - {'self', 'cfg'}) | _READ_BESIDES_RUNNER_ARGS


def _assigned_and_loaded(tree: ast.Module) -> tuple:
    """Module-level names a config file assigns, and every name it reads."""
    assigned = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        for target in targets:
            if isinstance(target, ast.Name):
                assigned.add(target.id)
    loaded = {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    return assigned, loaded


def unread_keys(config_path: str, cfg: Config,
                known: Iterable[str] = ()) -> List[str]:
    """Warnings for the top-level keys a config file sets that neither the
    runner reads nor the file itself uses to build another key.

    Keys its ``_base_`` configs define are not judged: a base's variables
    (``data_root``, ``train_pipeline``) are the usual way to share values.
    ``known`` adds keys that something else reads.
    """
    if not config_path.endswith('.py') or not osp.isfile(config_path):
        return []
    with open(config_path, encoding='utf-8') as f:
        tree = ast.parse(f.read())
    assigned, loaded = _assigned_and_loaded(tree)
    read = runner_keys() | set(known)
    base_keys = _base_keys(config_path, _bases(tree))
    warnings = []
    for key in sorted(assigned - loaded - read - base_keys):
        if key not in cfg:
            continue
        close = difflib.get_close_matches(key, sorted(read | base_keys), 1,
                                          0.75)
        hint = f'; did you mean {close[0]!r}?' if close else ''
        warnings.append(f'{key!r} in {config_path}: no part of the run reads '
                        f'this top-level key{hint}')
    return warnings


def _base_keys(config_path: str, bases: List[str]) -> Set[str]:
    """Every top-level key the config's ``_base_`` configs define: a config
    of the same bases alone, loaded from a temporary file."""
    if not bases:
        return set()
    directory = osp.dirname(osp.abspath(config_path))
    bases = [
        base if '::' in base else osp.join(directory, base) for base in bases
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'bases.py')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(f'_base_ = {bases!r}\n')
        return set(Config.fromfile(path).keys())


def _bases(tree: ast.Module) -> List[str]:
    """The files a config names in ``_base_``, as written."""
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == '_base_'
                for t in node.targets)):
            value = ast.literal_eval(node.value)
            return [value] if isinstance(value, str) else list(value)
    return []
