"""tandem: an LLM training job and a Japanese web-text crawl, side by side, supervised."""

__version__ = "0.1.0"
