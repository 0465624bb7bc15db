"""The contracts between the kit's parts, defined once and imported by every side.

- `child_protocol`: what a supervised process is told (environment) and may report (status
  file) — docs/child-protocol.md.
- `run_record`: the run record in `logs/runs/RUN_ID.json` — docs/run-record.md.
- `shards`: the crawl's JSONL shards and their completion marker, the only thing the crawl and
  the trainer share — docs/shards.md.
- `metrics`: the metric keys the crawl and the trainer report — docs/child-protocol.md.
- `exit_codes`: the exit status of every task and script — docs/exit-codes.md.

Nothing here imports the supervisor, the crawl, the trainer, the report or the notifications.
"""
