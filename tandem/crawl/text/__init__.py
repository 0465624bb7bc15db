"""The text pipeline, bytes to a kept or dropped sample: decode, extract the main text, drop
boilerplate, normalise, quality filters, dedup. Pure functions and in-memory state, no I/O: each
step can be tested on one page."""
