#!/usr/bin/python3
"""Independent Merkle-tree reference for vigil's audit tree (tests/test_audit.c).

Peer: a direct transcription of RFC 6962 section 2.1 (MTH, PATH, PROOF/SUBPROOF) in pure
Python with hashlib (Python's standard library; no vigil code). Leaf i's data is the ASCII
text "vigil merkle leaf <i>". Writes tests/reference/merkle/goldens.json:

  {"peer": ..., "sizes": {"<n>": {"root": hex,
                                  "inclusion": {"<index>": [hex, ...]},
                                  "consistency": {"<m>": [hex, ...]}}}}

for n = 1..17 (every index, every m in 1..n) and n = 1000 (a few of each).
Run: /usr/bin/python3 tests/reference/merkle_ref.py
"""
import hashlib
import json
import os
import platform
import sys


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n):
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(d[0])
    k = split(n)
    return node_hash(mth(d[:k]), mth(d[k:]))


def path(m, d):
    n = len(d)
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m, d, b):
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = split(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m, d):
    return subproof(m, d, True)


def hexes(v):
    return [x.hex() for x in v]


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "merkle", "goldens.json")
    data = [("vigil merkle leaf %d" % i).encode() for i in range(1000)]
    sizes = {}
    for n in list(range(1, 18)) + [1000]:
        d = data[:n]
        if n <= 17:
            idx = range(n)
            ms = range(1, n + 1)
        else:
            idx = [0, 1, 2, 499, 511, 512, 998, 999]
            ms = [1, 2, 3, 7, 8, 500, 511, 512, 513, 999, 1000]
        sizes[str(n)] = {
            "root": mth(d).hex(),
            "inclusion": {str(i): hexes(path(i, d)) for i in idx},
            "consistency": {str(m): hexes(proof(m, d)) for m in ms},
        }
    doc = {"peer": "RFC 6962 2.1 transcribed, Python %s hashlib" % platform.python_version(),
           "leaf": "vigil merkle leaf <i>", "sizes": sizes}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", out, file=sys.stderr)


if __name__ == "__main__":
    main()
