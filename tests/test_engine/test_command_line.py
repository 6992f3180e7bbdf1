"""mmext.engine.runner.command_line: what tools/train.py and tools/test.py
share (their end-to-end runs are in tests/test_tools/)."""
import argparse
import os

import pytest

from mmext.engine.runner.command_line import (add_run_arguments,
                                              check_before_run,
                                              load_run_config, parse_run_args)
from mmext.testing import logged_messages


def write_config(tmp_path, text="model = dict(type='Toy')\n"):
    path = tmp_path / 'my_run.py'
    path.write_text(text)
    return str(path)


def parse(monkeypatch, *argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    add_run_arguments(parser, 'a.b=1')
    monkeypatch.setattr('sys.argv', ['tool', *argv])
    return parse_run_args(parser)


def test_defaults_and_work_dir_from_the_config_name(monkeypatch, tmp_path):
    args = parse(monkeypatch, write_config(tmp_path))
    assert (args.launcher, args.cfg_options, args.skip_data_check,
            args.local_rank) == ('none', None, False, None)
    cfg = load_run_config(args)
    assert cfg.work_dir == os.path.join('./work_dirs', 'my_run')
    assert cfg.launcher == 'none'


def test_options_work_dir_and_launcher(monkeypatch, tmp_path):
    config = write_config(
        tmp_path, "model = dict(type='Toy', depth=18)\n"
        "work_dir = 'from_config'\n")
    cfg = load_run_config(parse(monkeypatch, config))
    assert cfg.work_dir == 'from_config'  # the config's own work_dir
    cfg = load_run_config(
        parse(monkeypatch, config, '--work-dir', 'given', '--launcher',
              'pytorch', '--cfg-options', 'model.depth=50'))
    assert (cfg.work_dir, cfg.launcher, cfg.model.depth) == ('given',
                                                             'pytorch', 50)


def test_launchers_local_rank_becomes_local_rank(monkeypatch, tmp_path):
    monkeypatch.setenv('LOCAL_RANK', 'unset')
    monkeypatch.delenv('LOCAL_RANK')
    args = parse(monkeypatch, write_config(tmp_path), '--local-rank', '1')
    assert args.local_rank == 1 and os.environ['LOCAL_RANK'] == '1'
    # A LOCAL_RANK already set (by torchrun or Slurm) is kept.
    parse(monkeypatch, write_config(tmp_path), '--local_rank', '0')
    assert os.environ['LOCAL_RANK'] == '1'


def test_unknown_launcher_is_refused(monkeypatch, tmp_path):
    with pytest.raises(SystemExit):
        parse(monkeypatch, write_config(tmp_path), '--launcher', 'ssh')


def test_check_before_run_warns_of_unread_keys(monkeypatch, tmp_path):
    config = write_config(
        tmp_path, "model = dict(type='Toy')\n"
        "modle = dict(type='Toy')\n")
    args = parse(monkeypatch, config, '--skip-data-check')
    with logged_messages() as messages:
        check_before_run(args, load_run_config(args))
    assert any('modle' in message for message in messages)
