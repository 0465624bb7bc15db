"""The crawl's file-source pipeline as datatrove steps, for datatrove's local, Slurm and Ray
executors (needs the `cluster` extra: `pip install 'tandem[cluster]'`)."""
