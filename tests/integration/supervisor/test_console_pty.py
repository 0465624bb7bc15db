"""The progress bars as a person sees them: the supervisor in a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
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


@pytest.mark.skipif(not hasattr(termios, "TIOCSWINSZ"), reason="needs a POSIX pseudo-terminal")
def test_the_bars_carry_each_childs_status_message_in_a_real_terminal(workdir):
    workdir.config(["--status-steps", "20", "--sleep", "4", "--message", "loss 1.234 | 456 tok/s"],
                   ["--status-steps", "20", "--sleep", "4", "--message", "kept 3/300 | 9.7 pages/s | queue 12"])
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
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
    assert "running — loss 1.234 | 456 tok/s" in text
    assert "running — kept 3/300 | 9.7 pages/s | queue 12" in text
    assert "[progress]" not in text  # bars, not the plain lines of CI
