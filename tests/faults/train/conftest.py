"""Fault tests for the trainer: real processes, real files, a real full filesystem."""
