"""The bundled Japanese demo site: generated from word lists and templates, served on
127.0.0.1 for `invoke demo` and the tests. Not part of the crawler: the crawler sees it only
over HTTP."""
