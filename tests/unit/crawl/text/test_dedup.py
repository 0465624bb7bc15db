import random

import pytest

from tandem.crawl.text.dedup import Deduplicator, DedupSettings
from tandem.crawl.text.filter_stats import FilterStats
from tandem.crawl.text.normalize import text_id
from tandem.demosite.prose import TOPICS, ProseGenerator

CHAPTERS = ["\n".join(ProseGenerator(random.Random(seed)).article(topic, 5, 5).paragraphs)
            for seed, topic in enumerate(list(TOPICS)[:4])]


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
    dedup = Deduplicator(DedupSettings(enabled=False, containment=False))
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
    with pytest.raises(ValueError, match="containment_threshold"):
        DedupSettings(containment_threshold=0.0)


def test_a_one_page_manual_after_its_chapters_is_a_contained_duplicate() -> None:
    dedup = Deduplicator(DedupSettings())
    assert [keep(dedup, chapter) for chapter in CHAPTERS] == [(True, "ok")] * 4
    one_page = "\n".join(["目次", *CHAPTERS])
    assert keep(dedup, one_page) == (False, "duplicate_contained")


def test_a_chapter_after_the_one_page_manual_is_a_contained_duplicate() -> None:
    dedup = Deduplicator(DedupSettings())
    assert keep(dedup, "\n".join(CHAPTERS)) == (True, "ok")
    assert keep(dedup, CHAPTERS[2]) == (False, "duplicate_contained")


def test_a_page_that_quotes_a_little_of_kept_pages_is_kept() -> None:
    dedup = Deduplicator(DedupSettings())
    keep(dedup, CHAPTERS[0])
    quoting = "\n".join([CHAPTERS[0].split("\n")[0], *CHAPTERS[1].split("\n")])
    assert keep(dedup, quoting) == (True, "ok")


def test_containment_survives_a_replay_and_can_be_switched_off() -> None:
    replayed = Deduplicator(DedupSettings())
    for chapter in CHAPTERS:
        replayed.add(text_id(chapter), chapter)
    one_page = "\n".join(CHAPTERS)
    assert keep(replayed, one_page) == (False, "duplicate_contained")
    off = Deduplicator(DedupSettings(containment=False))
    for chapter in CHAPTERS:
        keep(off, chapter)
    assert keep(off, one_page) == (True, "ok")


def test_each_dedup_check_is_a_named_step_with_its_count() -> None:
    stats = FilterStats()
    dedup = Deduplicator(DedupSettings(), stats)
    keep(dedup, CHAPTERS[0])
    keep(dedup, CHAPTERS[0])
    keep(dedup, CHAPTERS[1])
    counts = {step: (c["checked"], c["dropped"]) for step, c in stats.to_json().items()}
    assert counts == {"duplicate_exact": (3, 1), "duplicate_near": (2, 0), "duplicate_contained": (2, 0)}
