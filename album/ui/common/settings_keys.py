"""The keys of the app's own settings (QSettings: window layout and preferences, not library data)."""

WINDOW_GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"
LIBRARY_SORT = "library/sort"  # 'newest', 'oldest', 'name' or 'folder'
MODEL_DEVICE = "model/device"  # 'auto', 'cpu', 'cuda' or 'mps': read when the library opens
SIMILAR_MIN_COSINE = "duplicates/similar_min_cosine"
MODEL_NOTICE_SHOWN = "notices/model_shown"  # the first-run note about album-mini and a better model was shown
