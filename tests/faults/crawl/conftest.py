"""Fault tests for the crawl: real processes, real files, a real full filesystem."""
