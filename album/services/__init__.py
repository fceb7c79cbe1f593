"""What users come for, as a Python API: indexing now; search, tags, duplicates, albums next."""
