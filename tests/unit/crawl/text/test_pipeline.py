"""The text pipeline: named steps run in order until one drops the document, each counted."""

from tandem.crawl.ngword_list import load_ng_words
from tandem.crawl.text.extract import ExtractSettings
from tandem.crawl.text.filter_stats import FilterStats
from tandem.crawl.text.prefilter import PrefilterSettings
from tandem.crawl.text.quality import QualityFilter, QualitySettings
from tandem.crawl.text.text_pipeline import KEEP, Document, TextPipeline
from tandem.crawl.text.text_steps import build_text_steps


class Upper:
    name = "upper"

    def __call__(self, doc: Document) -> tuple[bool, str]:
        doc.text = doc.text.upper()
        doc.lines_removed = {"shouting": 1}
        return KEEP


class NoX:
    name = "no_x"

    def __call__(self, doc: Document) -> tuple[bool, str]:
        return (False, "has_x") if "X" in doc.text else KEEP


def test_a_document_stops_at_the_first_step_that_drops_it_and_every_step_is_counted() -> None:
    ticks = iter(range(100))
    stats = FilterStats(clock=lambda: float(next(ticks)))
    pipeline = TextPipeline([Upper(), NoX(), Upper()], stats)
    kept = list(pipeline.run([Document("a", text="abc"), Document("b", text="xyz")]))
    assert [doc.text for doc in kept] == ["ABC"]  # the third step ran on "ABC" again
    assert stats.to_json() == {"upper": {"checked": 3, "dropped": 0, "seconds": 3.0},
                               "no_x": {"checked": 2, "dropped": 1, "seconds": 2.0}}
    dropped = pipeline.run_one(Document("c", text="x"))
    assert dropped.drop_reason == "has_x" and dropped.lines_removed == {}
    assert stats.lines_removed_json() == {"shouting": 4}


def test_the_one_list_of_steps_pre_filters_file_sources_only_and_ends_with_every_quality_filter() -> None:
    quality, ng_words = QualitySettings(), load_ng_words(None)
    web = [step.name for step in build_text_steps(ExtractSettings(), quality, ng_words)]
    files = [step.name for step in build_text_steps(ExtractSettings(), quality, ng_words, PrefilterSettings())]
    filters = [check.name for check in QualityFilter(quality, ng_words).steps]
    assert web == ["decode", "extract", "line_rules", "normalize", *filters]
    assert files == ["prefilter", *web]
    assert "ng_words" in filters and "too_short" in filters
    no_rules = build_text_steps(ExtractSettings(), QualitySettings(line_rules=False), ng_words)
    assert "line_rules" not in [step.name for step in no_rules]


def test_a_page_goes_from_bytes_to_normalised_text_title_and_links(article_text: str) -> None:
    body = ("<html><head><title>記事</title></head><body><main><h1>記事</h1>"
            + "".join(f"<p>{line}</p>" for line in article_text.split("\n"))
            + '<a href="/next.html">次へ</a></main></body></html>').encode("utf-8")
    steps = build_text_steps(ExtractSettings(), QualitySettings(), load_ng_words(None))
    doc = TextPipeline(steps).run_one(Document("http://site.test/a.html", body=body, content_type="text/html"))
    assert doc.drop_reason is None, doc.drop_reason
    assert doc.title == "記事" and article_text.split("\n")[0] in doc.text
    assert "http://site.test/next.html" in doc.links and doc.body is None
