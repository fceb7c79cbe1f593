"""The library view: the photo grid and what sits around it.

- `page.py`: the library page (a notice line above the grid)
- `photo_grid.py`, `photo_delegate.py`, `photo_list_model.py`: the virtualised thumbnail grid in
  month sections, its cell painter and its item model (also used by the labels preview)
- `photo_menu.py`: the context menu of photos in any grid
- `albums_panel.py`: the sidebar's albums: open, create, export
- `on_this_day.py`: photos taken on today's date in earlier years
"""
