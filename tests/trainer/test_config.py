"""The recipe as the user sees it: `logchat train --show-config`, overrides, and bad values."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tui.cli import cli


def show_config(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["train", "--show-config", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_show_config_prints_the_recipe_as_one_json_object() -> None:
    config = show_config()
    assert config["model"] == "meta-llama/Llama-3.1-8B-Instruct"
    assert (config["lora_rank"], config["lora_alpha"], config["lora_dropout"]) == (16, 32, 0.05)
    assert config["learning_rate"] == 5e-5 and config["warmup_ratio"] == 0.1 and config["weight_decay"] == 0.01
    assert (config["epochs"], config["batch_size"], config["gradient_accumulation_steps"]) == (3, 8, 2)
    assert (config["max_sequence_length"], config["seed"]) == (8192, 1309)
    assert config["attention"] == "flash_attention_2" and config["liger_kernel"] is True
    assert config["gradient_checkpointing"] is True and config["merge_at_end"] is True
    assert config["runtime"]["device"] in ("cpu", "cuda")


def test_config_file_and_set_override_the_recipe(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text('lora_rank = 8\nlearning_rate = 1e-4\nmodel = "my/model"\n')
    config = show_config("--config", str(user), "--set", "lora_rank=4", "--set", "packing=false")
    assert config["lora_rank"] == 4 and config["learning_rate"] == 1e-4 and config["model"] == "my/model"
    assert config["runtime"]["packing"] is False


def test_bad_keys_and_values_are_one_line_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    for args, expected in (
        (["--set", "lora_rnak=4"], "unknown config key 'lora_rnak'"),
        (["--set", "lora_rank=big"], "'lora_rank' needs a int"),
        (["--set", "overlength=ignore"], "must be one of drop, truncate"),
        (["--config", str(tmp_path / "missing.toml")], "not found"),
    ):
        result = runner.invoke(cli, ["train", "--show-config", *args])
        assert result.exit_code == 1
        assert result.output.startswith("logchat: error: ") and expected in result.output
        assert "Traceback" not in result.output


def test_train_without_dataset_says_how_to_pass_one() -> None:
    result = CliRunner().invoke(cli, ["train", "--set", "model=/nonexistent.gguf"])
    assert result.exit_code == 1
    assert result.output.startswith("logchat: error: no dataset given: pass --dataset PATH")
