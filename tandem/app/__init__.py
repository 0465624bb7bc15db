"""The composition layer: what the Invoke tasks call. It puts the supervisor together with the
monitor, the report and the notification (which never import each other) and owns
`parallel.yaml` as a whole."""
