"""Cross-cutting building blocks: settings, database, errors, lists, security."""
