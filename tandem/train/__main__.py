"""`python -m tandem.train`: the trainer (tandem/train/train_cli.py), as the shipped configs start it."""

from tandem.train.train_cli import run

run()
