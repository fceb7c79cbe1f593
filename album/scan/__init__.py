"""Finding photos on disk, deciding what changed, and watching folders for more."""
