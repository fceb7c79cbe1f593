"""The People view: persons as tiles, names edited in place, merge by selection or drag and drop.

- `view.py`: `PeopleView`
"""
