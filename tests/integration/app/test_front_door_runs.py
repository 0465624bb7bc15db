"""Restart and stop of each process through the front door, in a run started afresh in the
foreground (`invoke parallel --no-auto-resume`), a resumed run started in the background
(`invoke parallel --detach`) and a fresh one in the background (`--detach --no-auto-resume`):
`invoke restart crawl`, `invoke restart train`, `invoke stop crawl`, then `invoke stop train` or
`invoke stop`, with the real crawl (of a generated site on 127.0.0.1) and a tiny trainer.

A fresh start applies once, at the run's start: a restart resumes (the crawl from its frontier
and shards, the trainer from its newest checkpoint) and moves nothing aside. What was asked for is
recorded and reported as asked for, never as a crash. Every wait is on an event (a record, a
status file, a log line), with bounds wide enough for a loaded machine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.front_door import Project
from support.processes import alive

from tandem.demosite.site import generate_site
from tandem.demosite.site_server import SiteServer

pytestmark = pytest.mark.slow
BANNER = "===== tandem "


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    generate_site(tmp_path / "site", pages=500, seed=5)
    with SiteServer(tmp_path / "site") as server:
        yield server.url


def _last_section(log: str) -> str:
    """What the latest start of a process wrote (a start's banner opens each section)."""
    return log.rsplit(BANNER, 1)[-1]


class Run:
    """One run of the project, followed through its record."""

    def __init__(self, project: Project, run_id: str, reap: list[int]) -> None:
        self.project, self.run_id, self.reap = project, run_id, reap

    @property
    def record(self) -> dict[str, Any]:
        return self.project.record(self.run_id)

    def attempts(self, name: str) -> list[dict[str, Any]]:
        return self.record["processes"][name]["attempts"]

    def section(self, name: str) -> str:
        return _last_section(self.project.log(self.record, name))

    def wait_working(self) -> None:
        """Both running, the crawl with shards committed and the trainer past a checkpoint."""
        project = self.project

        def working() -> bool:
            record = self.record
            return (project.status(record, "crawl").get("done", 0) >= 4
                    and project.status(record, "train").get("metrics", {}).get("checkpoint") is not None)
        project.wait(working, "the crawl to commit shards and the trainer to save a checkpoint")
        self.reap.extend(p["pid"] for p in self.record["processes"].values() if p.get("pid"))
        for name in ("crawl", "train"):  # still its first start: nothing crashed on the way
            assert len(self.attempts(name)) == 1, (self.attempts(name), self.section(name)[-3000:])

    def restart(self, name: str, resumed_line: str, fresh_line: str) -> None:
        before = len(self.attempts(name))
        done = self.project.invoke("restart", name)
        assert done.returncode == 0, done.stdout + done.stderr
        attempts = self.attempts(name)
        assert len(attempts) == before + 1 and attempts[-2].get("requested") == "restart", \
            (attempts, self.project.log(self.record, name)[-5000:])
        assert attempts[-2]["reason"] == f"stopped for a restart (invoke restart {name})"
        self.reap.append(self.record["processes"][name]["pid"])
        self.project.wait(lambda: resumed_line in self.section(name), f"the restarted {name} to resume")
        assert fresh_line not in self.section(name)

    def stop(self, name: str | None) -> None:
        done = self.project.invoke("stop", *([name] if name else []))
        assert done.returncode == 0, done.stdout + done.stderr
        if name is not None:
            assert self.record["processes"][name]["status"] == "stopped"
            assert self.attempts(name)[-1]["requested"] == "stop"

    def wait_end(self) -> dict[str, Any]:
        self.project.wait(lambda: self.record["status"] != "running", "the run to end")
        self.project.wait(lambda: self.record.get("report") is not None, "the run's report")
        return self.record


def exercise(run: Run, last_stop: str | None) -> dict[str, Any]:
    """restart crawl, restart train, stop crawl, then `last_stop` (a process, or None: the run)."""
    project = run.project
    run.wait_working()
    aside = (project.aside("data/crawl"), project.aside("outputs/tiny"))
    run.restart("crawl", "resuming: ", "--no-auto-resume: moved the previous output")
    run.restart("train", "resuming from ", "--no-auto-resume: moved the earlier run's files")
    assert (project.aside("data/crawl"), project.aside("outputs/tiny")) == aside, "a restart moved output aside"
    run.stop("crawl")
    assert run.record["processes"]["train"]["status"] == "running"
    run.stop(last_stop)
    record = run.wait_end()
    assert (record["status"], record["exit_code"]) == ("interrupted", 143)
    asked = [[a.get("requested") for a in record["processes"][name]["attempts"]] for name in ("crawl", "train")]
    # A stop of the whole run is the run's (its interrupted_reason), like a signal: not the attempt's.
    assert asked == [["restart", "stop"], ["restart", "stop" if last_stop else None]]
    report = (project.root / record["report"]).read_text(encoding="utf-8")
    assert "Root cause" not in report and "crashed" not in report
    assert "1 restart (all asked for)" in report
    return record


def _project(root: Path, site: str) -> tuple[Project, tuple[str, ...]]:
    """A project whose crawl follows the site slowly enough (a page a second, of 500) to outlast
    the test's requests, and whose tiny trainer follows the crawl without end: only the requests
    end the runs."""
    project = Project(root)
    crawl = project.crawl_config("crawl.yaml", seeds=[site], allow_private_networks=True, output_dir="data/crawl",
                                 target=100_000, workers=2,
                                 politeness={"per_host_concurrency": 1, "min_delay_s": 1.0})
    train = project.train_config("train.yaml", "data/crawl/shards/*.jsonl",
                                 training={"max_steps": 1_000_000, "save_steps": 20})
    return project, ("--crawl-config", str(crawl), "--train-config", str(train))


def _detach(project: Project, reap: list[int], *flags: str) -> tuple[Run, int]:
    started = project.invoke("parallel", "--detach", *flags)
    assert started.returncode == 0, started.stdout + started.stderr
    supervisor = int(re.search(r"supervisor pid (\d+)", started.stdout)[1])
    reap.append(supervisor)
    return Run(project, project.record()["run_id"], reap), supervisor


@pytest.mark.timeout(900)  # two runs, four starts of the trainer, on a loaded 2-core machine
def test_fresh_run_in_the_foreground_then_a_resumed_one_in_the_background(tmp_path, site, reap) -> None:
    project, flags = _project(tmp_path / "project", site)

    foreground = project.start("parallel", "--no-auto-resume", *flags)
    reap.append(foreground.pid)
    project.wait(lambda: bool(project.records()), "the run's record")
    first = exercise(Run(project, project.record()["run_id"], reap), last_stop="train")
    assert foreground.wait(timeout=120) == 143
    assert first["interrupted_reason"].startswith("every unfinished process stopped on request")

    # Resumed: each process continues from the first run's output.
    second, supervisor = _detach(project, reap, *flags)
    project.wait(lambda: "resuming: " in second.section("crawl"), "the second run's crawl to resume")
    exercise(second, last_stop=None)
    assert second.record["interrupted_reason"] == "stop requested by invoke stop"
    project.wait(lambda: not alive(supervisor), "the background supervisor to exit")


@pytest.mark.timeout(600)  # one run, two starts of the trainer, on a loaded 2-core machine
def test_fresh_run_in_the_background(tmp_path, site, reap) -> None:
    project, flags = _project(tmp_path / "project", site)
    for folder in ("data/crawl", "outputs/tiny"):  # an earlier run's output
        (project.root / folder).mkdir(parents=True)
        (project.root / folder / "earlier.txt").write_text("from an earlier run\n")

    third, supervisor = _detach(project, reap, "--no-auto-resume", *flags)
    exercise(third, last_stop="train")  # it checks that no restart moves output aside
    for folder in ("data/crawl", "outputs/tiny"):  # moved aside once, at the run's start
        [aside] = project.aside(folder)
        assert (aside / "earlier.txt").is_file()
    project.wait(lambda: not alive(supervisor), "the background supervisor to exit")
