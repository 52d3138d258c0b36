"""Disjoint-set forest (union-find) that turns matched pairs into clusters."""

from __future__ import annotations

import numpy as np


class UnionFind:
    """Union by size with path halving: near-constant time per operation."""

    def __init__(self, size: int) -> None:
        self._parent = list(range(size))
        self._size = [1] * size

    def find(self, item: int) -> int:
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, first: int, second: int) -> None:
        root_first, root_second = self.find(first), self.find(second)
        if root_first == root_second:
            return
        if self._size[root_first] < self._size[root_second]:
            root_first, root_second = root_second, root_first
        self._parent[root_second] = root_first
        self._size[root_first] += self._size[root_second]

    def roots(self) -> np.ndarray:
        """The root of every item, as an int64 array."""
        return np.fromiter((self.find(item) for item in range(len(self._parent))), dtype=np.int64)


def connected_roots(size: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Return, for ``size`` items linked by the pairs (``left[k]``, ``right[k]``), the root of each item's cluster."""
    forest = UnionFind(size)
    for first, second in zip(left.tolist(), right.tolist(), strict=True):
        forest.union(first, second)
    return forest.roots()
