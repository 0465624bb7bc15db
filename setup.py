"""The compiled part of tandem: the extractor's block walk (tandem/crawl/text/_block_walk.c).

Everything else is in pyproject.toml. The extension is optional: where it does not build (no C
compiler), the install goes on and the Python walk runs, with the same output (native_walk.py).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("tandem.crawl.text._block_walk", ["tandem/crawl/text/_block_walk.c"], optional=True)])
