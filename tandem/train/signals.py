"""SIGTERM/SIGINT for the trainer: ask the loop to save and stop; exit 143/130 (docs/exit-codes.md).

Kept free of torch/transformers imports so that a bad flag or config fails fast.
"""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass
from types import FrameType

from tandem.contracts.exit_codes import exit_code_for_signal

log = logging.getLogger(__name__)


@dataclass
class StopFlag:
    """Set by SIGTERM/SIGINT; the loop saves a checkpoint at the end of the current step and stops.
    A second signal stops at once."""

    signum: int | None = None

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt
        log.warning("received %s: saving a checkpoint after this step, then stopping",
                    signal.Signals(signum).name)
        self.signum = signum

    def __call__(self) -> bool:
        return self.signum is not None

    def exit_code(self) -> int:
        return exit_code_for_signal(self.signum)
