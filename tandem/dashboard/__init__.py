"""The live dashboard: one page on 127.0.0.1 that reads what a run writes (record, status files,
metrics, resources, logs) and asks the supervisor for restarts and stops through the control
channel. A reader, not a second supervisor: closing it or crashing it never touches the run."""
