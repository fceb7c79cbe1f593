"""The Duplicates view: groups of duplicate photos, one card each, with the suggested keeper.

- `view.py`: the view, with bulk "Apply Suggestions to All"
- `group_card.py`: one group's photos side by side
- `listing.py`: the groups and what their tiles show, read off the GUI thread
- `adapter.py`: `DuplicatesAdapter`, over `Library.duplicates` and the trash
"""
