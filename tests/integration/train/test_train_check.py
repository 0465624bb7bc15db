"""`train.py --check` and `--set`: the config and flags checked in a moment, nothing started."""

from __future__ import annotations


def test_check_passes_without_training_or_writing(tmp_path, make_config, run_train):
    result = run_train("--config", str(make_config(data={"follow": True})), "--check", "--max-steps", "7")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"train check passed: a new Qwen2 from model.init, adapter none, 7 steps, "
                                      f"following {tmp_path / 'shards' / '*.jsonl'}")
    assert not (tmp_path / "out").exists()


def test_check_names_the_flag_or_the_file_and_key(tmp_path, make_config, run_train):
    config = str(make_config())
    cases = [
        (["--max-steps", "0"], "error: --max-steps: must be at least 1"),
        (["--set", "training.batch_size=many"], "error: --set training.batch_size: expected an integer, got a "
                                                "string 'many'"),
        (["--set", "model.name_or_path=/no/such/model", "--set", "model.init=null"],
         "error: --set model.name_or_path: folder '/no/such/model' does not exist"),
        ([], f"error: {config}: data.paths: no file matches {tmp_path / 'shards' / '*.jsonl'} (and data.follow "
             "is false"),
        (["--set", "data.follow=true", "--set", f"eval.paths=[{tmp_path / 'held.jsonl'}]"],
         f"error: --set eval.paths: no file matches {tmp_path / 'held.jsonl'}"),
        (["--set", "data.mix={base: {paths: [/no/base/*.jsonl]}}"],
         "error: --set data.mix: data.mix.base.paths: no file matches /no/base/*.jsonl"),
        (["--set", "data.shuffle_window=0"], "error: --set data.shuffle_window: must be at least 1"),
    ]
    for args, expected in cases:
        result = run_train("--config", config, "--check", *args)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(expected), (args, result.stderr)
