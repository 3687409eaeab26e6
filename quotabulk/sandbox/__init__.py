"""A sandbox operator: the operator API on a SQLite file, behaving like the cabinet."""
