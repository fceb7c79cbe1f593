"""Places, offline: where photos were taken, and which photos a place name means.

- `photo_places.py`: `PhotoPlaces` (reverse geocoding GPS positions, place names → photos)
- `gazetteer.py`: place names → `Place`s ("Tuscany" or "Toscana"), from the shipped data
- `geo.py`: distances on the Earth's surface
- `after_index.py`: naming new GPS positions after each index run
"""

from album.services.places.after_index import ReverseGeocode
from album.services.places.gazetteer import Gazetteer, Place, normalise_name
from album.services.places.geo import distance_km
from album.services.places.photo_places import PhotoPlace, PhotoPlaces

__all__ = ["Gazetteer", "PhotoPlace", "PhotoPlaces", "Place", "ReverseGeocode", "distance_km", "normalise_name"]
