"""The supervisor: runs the configured processes side by side, restarts, stops and records them.

It knows nothing of training or crawling: it runs argv lists from `configs/parallel.yaml` and
talks to its children only through the child protocol (`tandem.contracts.child_protocol`, docs/child-protocol.md).
"""
