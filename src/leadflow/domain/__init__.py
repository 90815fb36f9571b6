"""Pure rules of the agreement: no database, web, or CLI imports (a test enforces it)."""
