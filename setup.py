"""The compiled part of tandem: the extractor's hot loops (tandem/crawl/text/_compiled.c).

Everything else is in pyproject.toml. The extension is optional: where it does not build (no C
compiler), the install goes on and their Python twins run, with the same output (native_walk.py,
boilerplate.py).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("tandem.crawl.text._compiled", ["tandem/crawl/text/_compiled.c"], optional=True)])
