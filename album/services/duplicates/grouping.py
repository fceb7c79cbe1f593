"""Union-find that honours "never together" pairs: the grouping step of the duplicate finder.

Plain union-find is transitive: A~C and C~B put A and B in one group even when the user said
A and B are not duplicates. Here a union is refused when it would bring such a pair together,
and edges are offered strongest first, so the closest matches win the contested photos.
"""

from __future__ import annotations

from typing import Hashable, Iterable, Mapping, TypeVar

Node = TypeVar("Node", bound=Hashable)


class ConstrainedUnionFind:
    def __init__(self, cannot_link: Mapping[Node, Iterable[Node]] | None = None):
        self._parent: dict = {}
        self._members: dict = {}  # root -> members of its set
        self._cannot: dict = {}
        for a, partners in (cannot_link or {}).items():
            for b in partners:
                self._cannot.setdefault(a, set()).add(b)
                self._cannot.setdefault(b, set()).add(a)

    def find(self, node: Node) -> Node:
        parent = self._parent.setdefault(node, node)
        if parent == node:
            self._members.setdefault(node, [node])
            return node
        root = self.find(parent)
        self._parent[node] = root  # path compression
        return root

    def union(self, a: Node, b: Node) -> bool:
        """Join the sets of a and b; False (and nothing changes) when a forbidden pair would meet."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        if self._forbidden(root_a, root_b):
            return False
        if len(self._members[root_a]) < len(self._members[root_b]):
            root_a, root_b = root_b, root_a
        self._parent[root_b] = root_a
        self._members[root_a].extend(self._members.pop(root_b))
        return True

    def _forbidden(self, root_a: Node, root_b: Node) -> bool:
        small, other = sorted((root_a, root_b), key=lambda r: len(self._members[r]))
        for node in self._members[small]:
            for partner in self._cannot.get(node, ()):
                if partner in self._parent and self.find(partner) == other:
                    return True
        return False

    def groups(self) -> list[list[Node]]:
        """Every set of two or more nodes, in the order their members were first seen."""
        return [members for members in self._members.values() if len(members) > 1]
