"""The NG-word list of the quality filter: the one that ships in the package, or the user's own
file (`quality.ngwords_file`). Read here, once, so the filter itself stays free of I/O."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tandem.common.typed_config import ConfigError

BUNDLED_LIST = "ngwords_ja.txt"


def load_ng_words(ngwords_file: str | None, base_dir: Path | None = None) -> list[str]:
    """The words of the list, comments and blank lines left out. A relative path is looked up
    under `base_dir` (default: the working folder); a missing file is a config error."""
    if ngwords_file is None:
        text = resources.files("tandem.crawl").joinpath("data", BUNDLED_LIST).read_text(encoding="utf-8")
    else:
        path = Path(ngwords_file)
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = "file not found" if isinstance(exc, FileNotFoundError) else f"cannot be read ({exc})"
            raise ConfigError(f"quality.ngwords_file: {ngwords_file}: {reason}") from None
    words = (line.strip() for line in text.splitlines())
    return [word for word in words if word and not word.startswith("#")]
