"""Writes K###.txt and labels.json (the fourth fresh held-out set, fresh4) from the
hand-written pool.py and specs.py, in the seed layout of benchmarks/held_out.py.
Deterministic (fixed seeds). Standalone: no modelkb import.

    python3 benchmarks/fresh4/build.py [OUT]      # default: tests/data/eval/fresh4
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
from held_out import write  # noqa: E402
from pool import M, P  # noqa: E402
from specs import S  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "tests", "data", "eval", "fresh4")

if __name__ == "__main__":
    write(S, P, M, OUT, prefix="K", order_seed=20261211, file_seed_base=9000, same_id_same_grade=True)
