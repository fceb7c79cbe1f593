"""Search as the user sees it: the search field, its filters, results as you type.

- `bar.py`: the search field with its filters button; `filters.py`: the filters popup
- `filter_choices.py`: what the filters can offer (folders, tags, albums, cameras, persons)
- `controller.py`: `SearchController` (debounced, newest query wins)
- `adapter.py`: `SearchAdapter`, the search the UI calls, over `Library.search` / `Library.similar`
"""
