import pytest

from tandem.crawl.text.dedup import Deduplicator, DedupSettings
from tandem.crawl.text.normalize import text_id


def keep(dedup: Deduplicator, text: str) -> tuple[bool, str]:
    return dedup.check_and_add(text_id(text), text)


def test_distinct_documents_are_kept(article_text: str, other_article_text: str) -> None:
    dedup = Deduplicator(DedupSettings())
    assert keep(dedup, article_text) == (True, "ok")
    assert keep(dedup, other_article_text) == (True, "ok")
    assert len(dedup) == 2


def test_exact_duplicate_is_refused(article_text: str) -> None:
    dedup = Deduplicator(DedupSettings())
    keep(dedup, article_text)
    assert keep(dedup, article_text) == (False, "duplicate_exact")


def test_near_duplicate_with_one_sentence_changed_is_refused(article_text: str) -> None:
    dedup = Deduplicator(DedupSettings())
    keep(dedup, article_text)
    edited = article_text.replace("。", "。追記として一文を足しました。", 1)
    assert text_id(edited) != text_id(article_text)
    assert keep(dedup, edited) == (False, "duplicate_near")


def test_near_detection_can_be_switched_off_but_exact_cannot(article_text: str) -> None:
    dedup = Deduplicator(DedupSettings(enabled=False))
    keep(dedup, article_text)
    assert keep(dedup, article_text + "追記。") == (True, "ok")
    assert keep(dedup, article_text) == (False, "duplicate_exact")


def test_replayed_documents_block_their_duplicates(article_text: str) -> None:
    """The engine rebuilds state after a restart by replaying kept records into add()."""
    dedup = Deduplicator(DedupSettings())
    dedup.add(text_id(article_text), article_text)
    dedup.add(text_id(article_text), article_text)  # replaying twice is harmless
    assert len(dedup) == 1
    assert keep(dedup, article_text) == (False, "duplicate_exact")
    assert keep(dedup, article_text + "少しだけ違う。") == (False, "duplicate_near")


def test_settings_validation() -> None:
    with pytest.raises(ValueError, match="bands"):
        DedupSettings(bands=0)
    with pytest.raises(ValueError, match="threshold"):
        DedupSettings(threshold=1.5)
