"""Distances on the Earth's surface, element-wise over numpy arrays (or plain floats)."""

from __future__ import annotations

import numpy as np

EARTH_KM = 6371.0


def distance_km(lat_a, lon_a, lat_b, lon_b) -> np.ndarray:
    """Great-circle distance (haversine) in km; arrays broadcast; NaN where a position is unknown."""
    p1, p2 = np.radians(lat_a), np.radians(lat_b)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.subtract(lon_b, lon_a)) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
