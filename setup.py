"""The compiled part of tandem: the extractor's hot loops (tandem/crawl/text/native/).

Everything else is in pyproject.toml. Both extensions are optional: where they do not build (no C
compiler), the install goes on and their Python twins run, with the same output (native_walk.py,
boilerplate.py).
"""

from setuptools import Extension, setup

NATIVE = "tandem/crawl/text/native"
setup(ext_modules=[
    # The DOM passes over selectolax's lexbor tree: the block walk, the chrome candidates, the hrefs.
    Extension("tandem.crawl.text._dom",
              [f"{NATIVE}/{name}.c" for name in ("lexbor_tree", "utf8_text", "block_walk", "dom_scans", "dom_module")],
              depends=[f"{NATIVE}/{name}.h" for name in ("lexbor_tree", "utf8_text", "block_walk", "dom_scans")],
              optional=True),
    # The per-host repeated-line counting.
    Extension("tandem.crawl.text._line_counts", [f"{NATIVE}/line_counts.c"], optional=True),
])
