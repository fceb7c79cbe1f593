"""Search: natural-language queries and find-similar over the library's vectors.

- `service.py`: `SearchService` (a query → ranked, filtered, cut results, each with a why)
- `query.py`: reading a query (place, time and person words become filters)
- `filters.py`: folder, dates, tag, album and camera as SQL
- `ranking.py`: top-k for a query vector (HNSW, filtered HNSW or exact)
- `relevance.py`: where a ranked list stops being relevant (also tagging's cut)
- `similar_cut.py`: where find-similar stops
- `after_index.py`: the relevance baselines of newly embedded photos, after each index run
"""

from album.services.search.after_index import FillRelevanceBaselines
from album.services.search.relevance import RelevanceCutoff
from album.services.search.service import PhotoNotFoundError, SearchError, SearchHit, SearchResults, SearchService
from album.services.search.similar_cut import similarity_bar

__all__ = [
    "FillRelevanceBaselines", "PhotoNotFoundError", "RelevanceCutoff", "SearchError", "SearchHit", "SearchResults",
    "SearchService", "similarity_bar",
]
