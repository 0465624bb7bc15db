"""Getting pages from the web politely and safely: the engine's scheduler, the HTTP fetcher with
its scope and address checks, robots.txt and URL canonicalisation."""
