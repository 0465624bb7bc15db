"""A held-out set the user fixes (`eval.paths`: JSONL files of texts never trained on), measured
as loss per token and bits per UTF-8 byte: the summed negative log-likelihood of every text's
tokens (in nats) / ln 2 / the texts' UTF-8 bytes. Bits per byte does not depend on the
tokenizer, so models with different vocabularies, and runs of any length, compare directly.

Each text is scored on its own, after one EOS as context; a text longer than `seq_len` tokens is
scored in consecutive pieces of `seq_len` (each piece sees only itself), and its trailing EOS is
not scored (it is not text).
"""

from __future__ import annotations

import glob
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from tandem.common.typed_config import ConfigError
from tandem.contracts.shards import read_shard


@dataclass(frozen=True)
class TextScore:
    nll_nats: float  # summed over every scored token
    tokens: int
    utf8_bytes: int

    @property
    def loss(self) -> float:
        return self.nll_nats / self.tokens if self.tokens else math.nan

    @property
    def bits_per_byte(self) -> float:
        return self.nll_nats / math.log(2) / self.utf8_bytes if self.utf8_bytes else math.nan


def read_texts(patterns: list[str], text_field: str, limit: int | None = None) -> list[str]:
    """The usable texts of the JSONL files `patterns` match (globs, in name order)."""
    texts: list[str] = []
    for pattern in patterns:
        names = sorted(glob.glob(pattern, recursive=True)) or ([pattern] if Path(pattern).is_file() else [])
        if not names:
            raise ConfigError(f"eval.paths: no file matches {pattern}")
        for name in names:
            for _, record in read_shard(name):
                text = record.get(text_field) if record is not None else None
                if isinstance(text, str) and text.strip():
                    texts.append(text)
                    if limit is not None and len(texts) >= limit:
                        return texts
    if not texts:
        raise ConfigError(f"eval.paths: no usable '{text_field}' in {', '.join(patterns)}")
    return texts


def pieces(ids: list[int], context: int, seq_len: int) -> list[tuple[list[int], list[int]]]:
    """(inputs, targets) of `seq_len` tokens or fewer: the inputs are the targets shifted right
    behind `context` (an EOS), so that every token of `ids` is predicted once."""
    shifted = [context, *ids[:-1]]
    return [(shifted[k:k + seq_len], ids[k:k + seq_len]) for k in range(0, len(ids), seq_len)]


def score_texts(model: Any, tokenize: Any, texts: list[str], eos: int, seq_len: int,
                batch_size: int) -> TextScore:
    """The summed NLL of `texts` under `model` (eval mode, no gradients: the caller's job)."""
    device = next(model.parameters()).device
    work = [piece for text in texts for piece in pieces(tokenize(text), eos, seq_len) if piece[1]]
    nll, tokens = 0.0, 0
    for start in range(0, len(work), batch_size):
        chunk = work[start:start + batch_size]
        width = max(len(inputs) for inputs, _ in chunk)
        inputs = torch.full((len(chunk), width), eos, dtype=torch.long)
        targets = torch.full((len(chunk), width), -100, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, (piece_in, piece_out) in enumerate(chunk):
            inputs[row, :len(piece_in)] = torch.tensor(piece_in)
            targets[row, :len(piece_out)] = torch.tensor(piece_out)
            mask[row, :len(piece_in)] = 1
        logits = model(input_ids=inputs.to(device), attention_mask=mask.to(device)).logits.float()
        nll += float(torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.to(device).flatten(),
                                                       ignore_index=-100, reduction="sum"))
        tokens += int((targets != -100).sum())
    return TextScore(nll_nats=nll, tokens=tokens, utf8_bytes=sum(len(t.encode("utf-8")) for t in texts))
