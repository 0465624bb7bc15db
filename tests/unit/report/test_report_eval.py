"""Evaluation in the report: held-out loss beside the training loss, the best checkpoint, and
what the model answered to the prompts at its first and latest evaluation."""

from __future__ import annotations

import json

from tandem.report import write_report
from tandem.report.report_config import ReportSettings


def write_metrics(run) -> None:
    lines = []
    for step in range(1, 9):
        line = {"step": step, "loss": 3.0 - 0.2 * step, "tokens_per_s": 100.0}
        if step % 4 == 0:
            line |= {"eval_loss": 3.1 - 0.1 * step, "eval_perplexity": 2.7 ** (3.1 - 0.1 * step),
                     "generations": [{"prompt": "日本の首都は", "text": f"東京です{step}"},
                                     {"prompt": "昔々、", "text": "おじいさんが|いました"}]}
        lines.append(json.dumps(line, ensure_ascii=False))
    folder = run.root / "outputs" / "demo"
    folder.mkdir(parents=True)
    (folder / "metrics.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_eval_loss_best_checkpoint_and_answers_are_in_the_report(run, md, metrics) -> None:
    write_metrics(run)
    status = metrics["train"](eval_loss=2.3, eval_perplexity=9.97, eval_step=8, best_eval_loss=2.3,
                              best_checkpoint="outputs/demo/checkpoint-8")
    run.process("train", progress={"done": 8, "total": 8, "unit": "steps", "metrics": status})
    report = write_report(run.save(), ReportSettings(plots=True), root=run.root)
    text = report.read_text(encoding="utf-8")

    rows = {row["Figure"]: row["Value"] for row in md.table_after(text, "Figure")}
    assert rows["Eval loss (last)"] == "2.3 (step 8)"
    assert rows["Best eval loss"] == "2.3 (step 8)"
    assert rows["Eval perplexity (last)"] == "9.97"
    assert "checkpoint-8" in rows["Best checkpoint"]
    answers = md.table_after(text, "Step")
    assert [(a["Step"], a["Prompt"], a["Continuation"]) for a in answers] == [
        ("4", "日本の首都は", "東京です4"), ("4", "昔々、", "おじいさんが|いました"),
        ("8", "日本の首都は", "東京です8"), ("8", "昔々、", "おじいさんが|いました")]
    assert any(p.name == "training_loss.png" for p in report.parent.rglob("*.png"))


def test_bits_per_byte_times_read_and_tokens_by_source_are_in_the_report(run, md, metrics) -> None:
    folder = run.root / "outputs" / "demo"
    folder.mkdir(parents=True)
    lines = [{"step": 5, "loss": 2.0, "tokens_per_s": 10.0, "eval_text_loss": 3.1, "eval_bits_per_byte": 1.8123,
              "times_read": {"1": 40}, "source_tokens": {"crawl": 300, "base": 100}},
             {"step": 10, "loss": 1.5, "tokens_per_s": 10.0, "eval_text_loss": 2.5, "eval_bits_per_byte": 1.2147,
              "times_read": {"1": 30, "2": 90}, "source_tokens": {"crawl": 600, "base": 200},
              # A byte-level model's answer cut inside a character, as recorded before it was cut.
              "generations": [{"prompt": "日本の首都は", "text": "東京で\ufffd"}]}]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    run.process("train", progress={"done": 10, "total": 10, "unit": "steps", "metrics": metrics["train"]()})
    text = write_report(run.save(), ReportSettings(plots=False), root=run.root).read_text(encoding="utf-8")

    rows = {row["Figure"]: row["Value"] for row in md.table_after(text, "Figure")}
    assert rows["Held-out texts, bits/byte (last)"] == "1.2147 (step 10)"
    assert rows["Held-out texts, bits/byte (first)"] == "1.8123 (step 5)"
    assert rows["Times samples were read"] == "1×: 30 · 2×: 90"
    assert rows["Tokens drawn, by source"] == "crawl 600 (75 %) · base 200 (25 %)"
    assert [a["Continuation"] for a in md.table_after(text, "Step")] == ["東京で"]
    assert "\ufffd" not in text
