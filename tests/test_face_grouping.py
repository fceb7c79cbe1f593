"""The connected components under face grouping, against a plain breadth-first search."""

from collections import deque

import numpy as np

from album.services.people.grouping import _union_find


def components_by_search(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Each node labelled with the smallest node it reaches (the reference)."""
    links = [[] for _ in range(n)]
    for a, b in zip(rows.tolist(), cols.tolist()):
        links[a].append(b)
        links[b].append(a)
    labels = np.full(n, -1)
    for start in range(n):  # in order, so the first node reached from a new start is the smallest
        if labels[start] >= 0:
            continue
        labels[start] = start
        queue = deque([start])
        while queue:
            for other in links[queue.popleft()]:
                if labels[other] < 0:
                    labels[other] = start
                    queue.append(other)
    return labels


def test_components_match_a_breadth_first_search():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n, edges = int(rng.integers(1, 300)), int(rng.integers(0, 600))
        rows, cols = rng.integers(0, n, edges), rng.integers(0, n, edges)
        np.testing.assert_array_equal(_union_find(n, rows, cols), components_by_search(n, rows, cols))


def test_a_long_chain_is_one_component_and_isolated_nodes_are_their_own():
    n = 5000
    rows = np.arange(n - 2)[::-1]  # 0-1-2-...-4998, linked from the far end; 4999 alone
    labels = _union_find(n, rows, rows + 1)
    assert (labels[:-1] == 0).all() and labels[-1] == n - 1
