"""What every view shares (none of it is a view).

- `tasks.py`: all of the GUI's thread plumbing: purpose-built pools, results back on the GUI thread
- `thumbnails.py`, `image_reading.py`: thumbnails for grids (an LRU of QPixmaps), decoding images
  for display on worker threads
- `photo_rows.py`: the rows a photo grid shows, read off the GUI thread; `grid_geometry.py`:
  where each cell of a sectioned grid lies (plain arithmetic)
- `formatting.py`: typed data into the words and numbers people read (only the UI formats)
- `confirm.py`: asking before anything destructive; `desktop.py`: the system viewer, file manager,
  Pictures folder
- `library_changes.py`: one signal for "the library changed"; `settings_keys.py`: the app's own
  QSettings keys; `warmup.py`: loading the model and vector index once
- `platform_libraries.py`: before Qt starts on Linux, are its X11 libraries there?
"""
