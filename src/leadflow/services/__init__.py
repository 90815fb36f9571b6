"""Use cases: each opens and owns its transaction; web handlers and CLI commands call exactly one."""
