"""A project folder outside the checkout where tests type the kit's tasks as a user does
(`invoke -r REPO TASK …`, tests/support/paths.py): the shipped configs copied in (so
`configs/parallel.yaml` is the one users run), `scripts/` linked, and helpers to read what a run
leaves — records, logs, status files — and to wait on them (never on fixed sleeps)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from support.config_files import merged
from support.paths import REPO, invoke_argv
from support.processes import wait_for

# The machines that run the suite are loaded: waits are generous, and end as soon as the event comes.
EVENT_TIMEOUT_S = 240.0
TINY_MODEL = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 400}


class Project:
    """A project folder with the shipped configs; its tasks run through `invoke` (a clone's front
    door) or, with `program="tandem"`, through the installed command (`python -m tandem`, which
    finds the project by its configs/ folder)."""

    def __init__(self, root: Path, program: str = "invoke") -> None:
        self.root = root
        self.program = program
        root.mkdir(parents=True, exist_ok=True)
        (root / "scripts").symlink_to(REPO / "scripts")
        shutil.copytree(REPO / "configs", root / "configs")
        # The shipped policy, without what costs time and proves nothing here.
        self.edit("configs/parallel.yaml", monitor={"enabled": False}, notify={"enabled": False},
                  report={"plots": False})

    # -- configs ----------------------------------------------------------------------------------
    def edit(self, name: str, **sections: Any) -> Path:
        path = self.root / name
        path.write_text(yaml.safe_dump(merged(yaml.safe_load(path.read_text(encoding="utf-8")), sections),
                                       allow_unicode=True), encoding="utf-8")
        return path

    def write(self, name: str, data: dict[str, Any]) -> Path:
        path = self.root / name
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    def crawl_config(self, name: str, **sections: Any) -> Path:
        """The shipped crawl config with these sections on top, and small, often flushed shards."""
        base = yaml.safe_load((REPO / "configs" / "crawl_config.yaml").read_text(encoding="utf-8"))
        return self.write(name, merged(base, {"output": {"shard_size": 2, "flush_interval_s": 1},
                                              "progress_interval_s": 1, **sections}))

    def train_config(self, name: str, shards: str, **sections: Any) -> Path:
        """A tiny from-scratch model that follows the crawl's shards."""
        base = yaml.safe_load((REPO / "configs" / "demo" / "training.yaml").read_text(encoding="utf-8"))
        base["model"]["init"] = TINY_MODEL
        return self.write(name, merged(base, {
            "data": {"paths": [shards], "min_samples": 4, "poll_interval_s": 0.2, "follow_idle_timeout_s": 1},
            "training": {"max_steps": 6, "save_steps": 3, "seq_len": 32, "batch_size": 2, "logging_steps": 1,
                         "warmup_steps": 0},
            "output_dir": "outputs/tiny", **sections}))

    # -- tasks --------------------------------------------------------------------------------------
    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "tandem", *args] if self.program == "tandem" else invoke_argv(*args)

    def invoke(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(*args), cwd=self.root, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """The task in the foreground of another terminal: its console goes to `console.txt` (a pipe
        nobody reads would fill up and block it)."""
        with open(self.root / "console.txt", "ab") as console:
            return subprocess.Popen(self.argv(*args), cwd=self.root, stdout=console, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)

    # -- what a run leaves ----------------------------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in sorted((self.root / "logs" / "runs").glob("*.json"))]

    def record(self, run_id: str | None = None) -> dict[str, Any]:
        if run_id is not None:
            return json.loads((self.root / "logs" / "runs" / f"{run_id}.json").read_text())
        records = self.records()
        assert records, "no run record written"
        return records[-1]

    def log(self, record: dict[str, Any], name: str) -> str:
        return (self.root / record["processes"][name]["log_file"]).read_text(encoding="utf-8")

    def status(self, record: dict[str, Any], name: str) -> dict[str, Any]:
        path = Path(record["processes"][name]["status_file"])
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def shard_records(self, output_dir: str) -> list[dict[str, Any]]:
        return [json.loads(line) for shard in sorted((self.root / output_dir / "shards").glob("shard-*.jsonl"))
                for line in shard.read_text(encoding="utf-8").splitlines()]

    def aside(self, folder: str) -> list[Path]:
        """The `FOLDER.prev-…` siblings that fresh starts moved earlier output to."""
        path = self.root / folder
        return sorted(path.parent.glob(f"{path.name}.prev-*"))

    def wait(self, predicate: Any, what: str, timeout: float = EVENT_TIMEOUT_S) -> None:
        wait_for(predicate, timeout=timeout, what=what, poll_s=0.2)
