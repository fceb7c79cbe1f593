"""The Events view: a card per trip or busy day, and the library's timeline.

- `view.py`: `EventsView`
"""
