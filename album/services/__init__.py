"""What users come for, one package per capability, each over the store and the vector index.

- `indexing/`: the pipeline (read, embed, store, in batches), reading one photo, the library's
  models and their HNSW indexes, perceptual hashes
- `search/`: query parsing, filters, ranking, the relevance cut, find-similar's cut
- `tagging/`: labels (the user's words) and the automatic tags made from them
- `duplicates/`: finding, grouping, the rules of each tier, choosing the keeper
- `trash/`: moving to the system trash, the journal, undo
- `people/`: the face pass, grouping faces into persons, names and corrections
- `events/`: grouping into trips and busy days, titles, covers, the user's decisions
- `places/`: the gazetteer, reverse geocoding, distances
- `albums/`: manual and smart albums, export

Each package's `__init__` names what others may import (`__all__`); the modules inside are
its own. `album.library.Library` builds the services and hands them out.
"""
