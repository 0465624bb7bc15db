"""The progress bars as a person sees them: the supervisor in a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios

import pytest


def read_all(master: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer of the terminal has closed it
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def console_of(workdir, columns: int) -> str:
    """Everything the supervisor drew on a terminal `columns` wide, until the run ended."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen(workdir.invoke_argv(), cwd=workdir.root, stdin=subprocess.DEVNULL,
                               stdout=slave, stderr=slave)
    os.close(slave)
    try:
        text = read_all(master).decode("utf-8", "replace")
        assert process.wait(timeout=60) == 0
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return text


@pytest.mark.skipif(not hasattr(termios, "TIOCSWINSZ"), reason="needs a POSIX pseudo-terminal")
def test_the_bars_carry_each_childs_status_message_in_a_real_terminal(workdir):
    workdir.config(["--status-steps", "20", "--sleep", "4", "--message", "loss 1.234 | 456 tok/s"],
                   ["--status-steps", "20", "--sleep", "4", "--message", "kept 3/300 | 9.7 pages/s | queue 12"])
    text = console_of(workdir, 200)
    assert "running — loss 1.234 | 456 tok/s" in text
    assert "running — kept 3/300 | 9.7 pages/s | queue 12" in text
    assert "[progress]" not in text  # bars, not the plain lines of CI


@pytest.mark.skipif(not hasattr(termios, "TIOCSWINSZ"), reason="needs a POSIX pseudo-terminal")
def test_at_80_columns_the_message_keeps_its_first_fields(workdir):
    """An SSH window of 80 columns: the loss and tokens/s, the kept count and pages/s stay; the
    fields that do not fit go from the end, whole."""
    workdir.config(["--status-steps", "20", "--sleep", "4", "--message",
                    "loss 1.234 | 45,600 tok/s | 12,345 samples | pass 0"],
                   ["--status-steps", "20", "--sleep", "4", "--message",
                    "kept 3/300 | fetched 7 (9.7 pages/s) | queue 12 | dropped 4 | elapsed 12s"])
    text = console_of(workdir, 80)
    bars = [piece for piece in re.split(r"[\r\n]", text) if "%|" in piece]  # not the [final] lines
    assert bars and all(len(bar.split("\x1b")[0]) <= 80 for bar in bars)
    assert any("loss 1.234 | 45,600 tok/s" in bar for bar in bars), bars[-2:]
    assert any("kept 3/300 | fetched 7 (9.7 pages/s)" in bar for bar in bars), bars[-2:]
    assert "[progress]" not in text
