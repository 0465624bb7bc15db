"""The states docs/run-record.md promises are the ones the code has: one definition
(contracts/run_record.ProcessState and RunState), written out once in the document."""

from __future__ import annotations

import re

from support.paths import REPO

from tandem.contracts.run_record import ACTIVE_PROCESS_STATES, FINISHED_PROCESS_STATES, ProcessState, RunState


def _documented(prefix: str) -> set[str]:
    text = (REPO / "docs" / "run-record.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith(f"| `status` | `{prefix}")]
    assert len(rows) == 1, rows
    return set(re.findall(r"`([a-z]+)`", rows[0])) - {"status"}


def test_the_documented_process_states_are_the_code_s() -> None:
    assert _documented("pending") == {s.value for s in ProcessState}


def test_the_documented_run_states_are_the_code_s() -> None:
    assert _documented("running") == {s.value for s in RunState}


def test_every_process_state_is_active_or_finished_never_both() -> None:
    assert set(ProcessState) == ACTIVE_PROCESS_STATES | FINISHED_PROCESS_STATES
    assert not ACTIVE_PROCESS_STATES & FINISHED_PROCESS_STATES
