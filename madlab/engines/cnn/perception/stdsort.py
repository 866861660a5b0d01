"""The introsort of the GNU C++ library (``std::sort``), element for element.

``std::sort`` is not stable: items with equal keys end in an order that
depends on the algorithm's steps. OpenBabel sorts atoms by z coordinate and by
electronegativity with it, and equal keys are common (coordinates with three
decimals, bonds shared by two atoms), so the same order can only be had by
performing the same steps. This module follows libstdc++'s introsort: median
of three pivots, unguarded partitioning, heap sort past the depth limit and a
final insertion sort with a threshold of 16.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
_THRESHOLD = 16


def std_sort(items: Sequence[T], key: Callable[[T], float]) -> list[T]:
    """Return ``items`` ordered by ascending ``key`` exactly as ``std::sort`` orders them.

    Parameters
    ----------
    items
        Items in their original order.
    key
        Sort key (compared with ``<``).

    Returns
    -------
    list
        The sorted items.
    """
    a = list(items)
    k = [key(x) for x in a]
    n = len(a)
    if n > 1:
        _introsort(a, k, 0, n, 2 * (n.bit_length() - 1))
        _final_insertion_sort(a, k, 0, n)
    return a


def _swap(a: list[T], k: list[float], i: int, j: int) -> None:
    a[i], a[j] = a[j], a[i]
    k[i], k[j] = k[j], k[i]


def _introsort(a: list[T], k: list[float], first: int, last: int, depth: int) -> None:
    while last - first > _THRESHOLD:
        if depth == 0:
            _heap_sort(a, k, first, last)
            return
        depth -= 1
        cut = _partition_pivot(a, k, first, last)
        _introsort(a, k, cut, last, depth)
        last = cut


def _partition_pivot(a: list[T], k: list[float], first: int, last: int) -> int:
    mid = first + (last - first) // 2
    _median_to_first(a, k, first, first + 1, mid, last - 1)
    lo, hi = first + 1, last
    pivot = k[first]
    while True:
        while k[lo] < pivot:
            lo += 1
        hi -= 1
        while pivot < k[hi]:
            hi -= 1
        if not lo < hi:
            return lo
        _swap(a, k, lo, hi)
        lo += 1


def _median_to_first(a: list[T], k: list[float], result: int, x: int, y: int, z: int) -> None:
    if k[x] < k[y]:
        if k[y] < k[z]:
            _swap(a, k, result, y)
        elif k[x] < k[z]:
            _swap(a, k, result, z)
        else:
            _swap(a, k, result, x)
    elif k[x] < k[z]:
        _swap(a, k, result, x)
    elif k[y] < k[z]:
        _swap(a, k, result, z)
    else:
        _swap(a, k, result, y)


def _final_insertion_sort(a: list[T], k: list[float], first: int, last: int) -> None:
    if last - first > _THRESHOLD:
        _insertion_sort(a, k, first, first + _THRESHOLD)
        for i in range(first + _THRESHOLD, last):
            _linear_insert(a, k, i)
    else:
        _insertion_sort(a, k, first, last)


def _insertion_sort(a: list[T], k: list[float], first: int, last: int) -> None:
    for i in range(first + 1, last):
        if k[i] < k[first]:
            va, vk = a[i], k[i]
            a[first + 1 : i + 1] = a[first:i]
            k[first + 1 : i + 1] = k[first:i]
            a[first], k[first] = va, vk
        else:
            _linear_insert(a, k, i)


def _linear_insert(a: list[T], k: list[float], last: int) -> None:
    va, vk = a[last], k[last]
    nxt = last - 1
    while vk < k[nxt]:
        a[last], k[last] = a[nxt], k[nxt]
        last = nxt
        nxt -= 1
    a[last], k[last] = va, vk


def _adjust_heap(
    a: list[T], k: list[float], first: int, hole: int, length: int, va: T, vk: float
) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if k[first + child] < k[first + child - 1]:
            child -= 1
        a[first + hole], k[first + hole] = a[first + child], k[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole], k[first + hole] = a[first + child - 1], k[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and k[first + parent] < vk:
        a[first + hole], k[first + hole] = a[first + parent], k[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole], k[first + hole] = va, vk


def _heap_sort(a: list[T], k: list[float], first: int, last: int) -> None:
    length = last - first
    if length >= 2:
        parent = (length - 2) // 2
        while True:
            _adjust_heap(a, k, first, parent, length, a[first + parent], k[first + parent])
            if parent == 0:
                break
            parent -= 1
    end = last
    while end - first > 1:
        end -= 1
        va, vk = a[end], k[end]
        a[end], k[end] = a[first], k[first]
        _adjust_heap(a, k, first, 0, end - first, va, vk)
