"""The crawl side of tandem: fetching and frontier (engine) plus decoding, extraction,
normalisation, quality filtering and deduplication of Japanese web text (text side)."""
