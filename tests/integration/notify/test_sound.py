"""The end-of-run sound with fake players on PATH."""

from __future__ import annotations

import io
import time
import wave

from support.processes import alive, wait_for

from tandem.notify import notify
from tandem.notify.notify_config import NotifySettings
from tandem.notify.sound import chime_path, chime_wav, play_sound, ring_bell


def settings(**overrides) -> NotifySettings:
    return NotifySettings(desktop=False, **overrides)


def test_the_chime_is_a_short_audible_wav() -> None:
    with wave.open(io.BytesIO(chime_wav())) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
        assert 0.5 < wav.getnframes() / wav.getframerate() < 2.0
        frames = wav.readframes(wav.getnframes())
    loudest = max(abs(int.from_bytes(frames[i:i + 2], "little", signed=True)) for i in range(0, len(frames), 2))
    assert 5000 < loudest <= 32767


def test_a_player_on_path_gets_the_generated_wav(fake_bin, log_lines) -> None:
    fake_bin.add("paplay")
    lines, log = log_lines
    result = notify(settings(), "tandem", "done", None, log)
    sound = result["sound"]
    assert sound["status"] == "played" and sound["player"] == "paplay"
    assert fake_bin.calls("paplay") == [sound["file"]]
    with wave.open(sound["file"]) as wav:
        assert wav.getnframes() > 0
    assert lines == []


def test_the_users_wav_is_played_when_configured(fake_bin, tmp_path) -> None:
    fake_bin.add("aplay")
    mine = tmp_path / "marisa_owattaze.wav"
    mine.write_bytes(chime_wav())
    result = play_sound(str(mine), 5, lambda line: None)
    assert result["status"] == "played"
    assert fake_bin.calls("aplay") == [f"-q {mine}"]


def test_a_missing_users_wav_falls_back_to_the_chime(fake_bin, tmp_path, log_lines) -> None:
    fake_bin.add("paplay")
    lines, log = log_lines
    result = play_sound(str(tmp_path / "nope.wav"), 5, log)
    assert result["status"] == "played" and result["file"].endswith("chime-v1.wav")
    assert len(lines) == 1 and "nope.wav not found" in lines[0]


def test_a_failing_player_hands_over_to_the_next(fake_bin, log_lines) -> None:
    fake_bin.add("paplay", exit_code=1, stderr="Connection failure: Connection refused")
    fake_bin.add("ffplay")
    result = play_sound(None, 5, log_lines[1])
    assert result["status"] == "played" and result["player"] == "ffplay"
    assert fake_bin.calls("ffplay")[0].startswith("-nodisp -autoexit -loglevel quiet ")


def test_a_hanging_player_is_killed_with_its_children_at_the_timeout(fake_bin, log_lines) -> None:
    fake_bin.add("paplay", hang_s=60)
    lines, log = log_lines
    started = time.monotonic()
    result = notify(settings(player_timeout_s=0.5), "tandem", "done", None, log)
    took = time.monotonic() - started
    assert result["sound"]["status"] == "timeout"
    assert took < 10, f"notify took {took:.1f}s with a 0.5s player timeout"
    pids = fake_bin.pids("paplay")
    assert len(pids) == 2
    # SIGKILL went to the whole group; on a busy machine the dying take a moment to be gone.
    wait_for(lambda: not any(alive(pid) for pid in pids), timeout=20, what="the player and its child to be gone")
    assert any("did not finish within 0.5 s" in line for line in lines)


def test_no_player_rings_the_bell_and_logs_a_line(fake_bin, log_lines) -> None:
    lines, log = log_lines
    result = notify(settings(), "tandem", "done", None, log)
    assert result["sound"]["status"] == "bell"
    assert len(lines) == 1 and "no sound player found" in lines[0] and "terminal bell" in lines[0]


def test_the_bell_goes_to_a_terminal_only() -> None:
    class Stream(io.StringIO):
        def __init__(self, tty: bool) -> None:
            super().__init__()
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    log_file, terminal = Stream(False), Stream(True)
    assert ring_bell((log_file, terminal)) is True
    assert log_file.getvalue() == "" and terminal.getvalue() == "\a"
    assert ring_bell((Stream(False),)) is False


def test_sound_can_be_turned_off(fake_bin) -> None:
    fake_bin.add("paplay")
    assert notify(settings(play_sound=False), "t", "m", None, lambda line: None)["sound"] == {"status": "disabled"}
    assert fake_bin.calls("paplay") == []


def test_the_chime_is_written_once_into_its_cache(tmp_path) -> None:
    path = chime_path(tmp_path / "cache")
    stamp = path.stat().st_mtime_ns
    assert path.read_bytes() == chime_wav()
    assert chime_path(tmp_path / "cache") == path and path.stat().st_mtime_ns == stamp
