"""`notify:` in `parallel.yaml`: the sound, desktop notification and webhook at the end of a run."""

from __future__ import annotations

from dataclasses import dataclass, field

from tandem.common.typed_config import check_range


@dataclass
class NotifySettings:
    enabled: bool = field(default=True, metadata={"help": (
        "Notify at the end of every run (sound, desktop notification, webhook). A failing "
        "channel is logged and never changes the exit status.")})
    sound: str | None = field(default=None, metadata={"help": (
        "A WAV file to play at the end; null: the kit's own chime.")})
    play_sound: bool = field(default=True, metadata={"help": (
        "Play the sound with winsound, afplay, paplay, aplay or ffplay, whichever exists (the "
        "terminal bell when none does).")})
    desktop: bool = field(default=True, metadata={"help": (
        "Show a desktop notification where the platform has one.")})
    webhook: str | None = field(default=None, metadata={"help": (
        "A Slack/Discord-compatible webhook URL that gets the run's summary; null: the URL in "
        "the environment variable named by `webhook_env`, if set.")})
    webhook_env: str = field(default="TANDEM_WEBHOOK_URL", metadata={"help": (
        "The environment variable that may hold the webhook URL, to keep it out of the YAML.")})
    webhook_timeout_s: float = field(default=10.0, metadata={"help": (
        "Seconds to wait for the webhook to answer.")})
    player_timeout_s: float = field(default=15.0, metadata={"help": (
        "Seconds the sound players may take in all before they are stopped.")})

    def __post_init__(self) -> None:
        check_range("webhook_timeout_s", self.webhook_timeout_s, 0, 600, low_open=True)
        check_range("player_timeout_s", self.player_timeout_s, 0, 600, low_open=True)
