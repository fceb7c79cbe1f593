"""Folders and indexing as the user sees them.

- `controller.py`: `IndexingController` (index runs on the indexing pool, folders watched)
- `status.py`: the status bar's indexing area (progress, pause, cancel)
- `folders_panel.py`: the folders album indexes and watches; `welcome.py`: the first-run ask
- `failed_files.py`: the files album could not read, and why
"""
