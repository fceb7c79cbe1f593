"""The main window: the search bar, sidebar (folders, albums), the views' stack, the menus.

- `main_window.py`: `MainWindow`, which builds every view with the one `AppContext`
- `undo.py`: `UndoController`, Edit ▸ Undo over the two undoable actions (a move to the trash, a
  merge of people)
"""
