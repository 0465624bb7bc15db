"""The end-of-run sound: the user's WAV file or a chime the kit writes itself, played by the
first player the platform has; with none, the terminal bell."""

from __future__ import annotations

import array
import importlib
import io
import math
import os
import shutil
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from tandem.fileio.atomic_files import atomic_write_bytes
from tandem.notify.commands import run_bounded

CHIME_RATE = 22050
# (frequency Hz, start s, length s): a soft two-note "ding-dong" with a decaying envelope.
CHIME_NOTES = ((1046.5, 0.0, 0.6), (784.0, 0.28, 0.8))
CHIME_VERSION = 1
LINUX_PLAYERS: tuple[tuple[str, ...], ...] = (
    ("paplay",),
    ("aplay", "-q"),
    ("ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"),
)


def chime_wav() -> bytes:
    """The chime as a 16-bit mono WAV file, generated with the standard library only."""
    length = max(start + duration for _, start, duration in CHIME_NOTES)
    samples = [0.0] * int(length * CHIME_RATE)
    for freq, start, duration in CHIME_NOTES:
        first = int(start * CHIME_RATE)
        for i in range(int(duration * CHIME_RATE)):
            t = i / CHIME_RATE
            envelope = math.exp(-5.0 * t) * min(1.0, t / 0.005)  # 5 ms attack avoids a click
            samples[first + i] += 0.35 * envelope * math.sin(2 * math.pi * freq * t)
    pcm = array.array("h", (int(max(-1.0, min(1.0, s)) * 32767) for s in samples))
    if sys.byteorder == "big":
        pcm.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(CHIME_RATE)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def chime_path(cache_dir: Path | None = None) -> Path:
    """The chime's WAV file in a cache folder (the temp dir by default), written once."""
    user = getattr(os, "getuid", lambda: "user")()  # one folder per user in a shared temp dir
    folder = cache_dir or Path(tempfile.gettempdir()) / f"tandem-{user}"
    path = folder / f"chime-v{CHIME_VERSION}.wav"
    if not path.is_file():
        atomic_write_bytes(path, chime_wav(), durable=False)
    return path


def player_commands(platform: str = sys.platform) -> list[list[str]]:
    """Command prefixes of the players available here, best first (the WAV path is appended)."""
    if platform == "darwin":
        candidates: tuple[tuple[str, ...], ...] = (("afplay",),)
    elif platform.startswith("win"):
        candidates = ()
    else:
        candidates = LINUX_PLAYERS
    found = []
    for name, *args in candidates:
        program = shutil.which(name)
        if program:
            found.append([program, *args])
    return found


def ring_bell(streams: tuple[TextIO, ...] | None = None) -> bool:
    """Ring the terminal bell on the first stream that is a terminal (never into a log file)."""
    for stream in streams if streams is not None else (sys.stderr, sys.stdout):
        try:
            if stream.isatty():
                stream.write("\a")
                stream.flush()
                return True
        except (OSError, ValueError, AttributeError):
            continue
    return False


def play_sound(sound: str | None, timeout_s: float, log: Callable[[str], None]) -> dict[str, Any]:
    """Play `sound` (a WAV path) or the chime; returns what happened, for the caller's log."""
    path = Path(sound).expanduser() if sound else None
    if path is not None and not path.is_file():
        log(f"notify: sound file {path} not found; playing the built-in chime instead")
        path = None
    if path is None:
        try:
            path = chime_path()
        except OSError as exc:
            log(f"notify: cannot write the chime ({exc}); ringing the terminal bell")
            return {"status": "bell", "bell_rung": ring_bell(), "detail": str(exc)}
    if sys.platform.startswith("win"):
        return _play_winsound(path, timeout_s, log)
    tried = []
    deadline = time.monotonic() + timeout_s  # one budget for all players tried, not one each
    for command in player_commands():
        remaining = deadline - time.monotonic()
        name = os.path.basename(command[0])
        if remaining <= 0:
            tried.append(f"{name}: not tried, out of time")
            break
        result = run_bounded([*command, str(path)], remaining)
        if result.status == "ok":
            return {"status": "played", "player": name, "file": str(path)}
        tried.append(f"{name}: {result.detail or result.status}")
        if result.status == "timeout":
            log(f"notify: {name} did not finish within {timeout_s:g} s and was stopped")
            return {"status": "timeout", "player": name, "file": str(path), "bell_rung": ring_bell()}
    why = "; ".join(tried) if tried else "no sound player found (paplay, aplay, ffplay, afplay)"
    log(f"notify: no sound played: {why}; rang the terminal bell instead")
    return {"status": "bell", "file": str(path), "bell_rung": ring_bell(), "detail": why}


def _play_winsound(path: Path, timeout_s: float, log: Callable[[str], None]) -> dict[str, Any]:
    winsound: Any = importlib.import_module("winsound")  # Windows only

    errors: list[str] = []

    def play() -> None:
        try:
            winsound.PlaySound(str(path), winsound.SND_FILENAME)
        except RuntimeError as exc:  # no audio device
            errors.append(str(exc))

    worker = threading.Thread(target=play, name="tandem-sound", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        winsound.PlaySound(None, winsound.SND_PURGE)
        log(f"notify: winsound did not finish within {timeout_s:g} s and was stopped")
        return {"status": "timeout", "player": "winsound", "file": str(path), "bell_rung": ring_bell()}
    if errors:
        log(f"notify: no sound played ({errors[0]}); rang the terminal bell instead")
        return {"status": "bell", "file": str(path), "bell_rung": ring_bell(), "detail": errors[0]}
    return {"status": "played", "player": "winsound", "file": str(path)}
