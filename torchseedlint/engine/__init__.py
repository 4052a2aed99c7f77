"""Running a lint: discovery, reading, parsing, the text screen, the runner, cache and notebooks."""
