"""Scores on the user's held-out texts: bits per UTF-8 byte from summed token NLL, and answers
cut to whole characters."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pytest
import torch

from tandem.common.typed_config import ConfigError
from tandem.train.evaluation import whole_characters
from tandem.train.text_eval import pieces, read_texts, score_texts

VOCAB = 256


class UniformModel(torch.nn.Module):
    """Every next token equally likely: each scored token costs ln(VOCAB) nats."""

    def __init__(self) -> None:
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> SimpleNamespace:
        return SimpleNamespace(logits=torch.zeros((*input_ids.shape, VOCAB)))


def utf8_tokens(text: str) -> list[int]:
    return list(text.encode("utf-8"))


def test_every_token_is_predicted_once_behind_an_eos_in_pieces_of_seq_len():
    assert pieces([5, 6, 7, 8, 9], context=0, seq_len=2) == [([0, 5], [5, 6]), ([6, 7], [7, 8]), ([8], [9])]


def test_bits_per_byte_is_summed_nll_in_bits_over_utf8_bytes():
    texts = ["吾輩は猫である。", "The cat.", "東京"]  # 24 + 8 + 6 bytes, one token a byte
    score = score_texts(UniformModel(), utf8_tokens, texts, eos=0, seq_len=5, batch_size=2)
    assert (score.tokens, score.utf8_bytes) == (38, 38)
    assert score.loss == pytest.approx(math.log(VOCAB))
    assert score.bits_per_byte == pytest.approx(8.0)  # a uniform byte costs 8 bits


def test_held_out_texts_are_read_from_jsonl_and_a_missing_file_is_a_config_error(tmp_path):
    path = tmp_path / "held.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in ["a", " ", "b"]) + "{bad\n", encoding="utf-8")
    assert read_texts([str(path)], "text") == ["a", "b"]
    assert read_texts([str(tmp_path / "*.jsonl")], "text", limit=1) == ["a"]
    with pytest.raises(ConfigError, match="eval.paths: no file matches"):
        read_texts([str(tmp_path / "nothing.jsonl")], "text")


class ByteTokenizer:
    """A byte-level tokenizer: each id is one byte; decode shows a cut character as U+FFFD."""

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        return bytes(ids).decode("utf-8", errors="replace")


def test_answers_end_at_the_last_whole_character():
    tokenizer = ByteTokenizer()
    whole = list("東京です".encode())
    assert whole_characters(tokenizer, whole) == "東京です"
    assert whole_characters(tokenizer, whole[:-1]) == "東京で"  # the last character cut after 2 of 3 bytes
    assert whole_characters(tokenizer, [*whole[:3], 0xFF, *whole[3:]]) == "東"  # an invalid byte inside
    assert whole_characters(tokenizer, whole[1:]) == ""  # starts inside a character
