#!/usr/bin/env python
"""A 50,000-record `modelkb ingest --jsonl` SIGKILLed mid-embedding, then rerun (issue 11's done-when).

    .venv/bin/python benchmarks/resume_jsonl.py [--n 50000]   # -> results/resume_jsonl.json

The scenario is the slow test's (tests/test_resumable_ingest.py: real `modelkb`
processes, the tests' fake embedder slowed to 0.5 ms per text and logging every
text it embedded), at 50k records: kill once two journal chunks are saved,
rerun, and check that the rerun embedded exactly the texts whose vectors were
not saved, that together nothing is missing, and that `doctor` is happy.
The real model's throughput through the same path is `make bench`'s `ingest`
section (our embed vs raw `model.encode` on the same texts).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "resume_jsonl.json")
    args = ap.parse_args()
    from test_resumable_ingest import kill_and_resume

    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory(prefix="modelkb-resume-") as tmp:
        home, work = Path(tmp) / "home", Path(tmp)
        home.mkdir()
        r = kill_and_resume(home, work, args.n)
    saved, first, second = r.pop("saved_before_kill"), set(r.pop("first_run_embedded")), set(r.pop("second_run_embedded"))
    summary = r.pop("rerun_summary") or {}
    result = {
        "started": started,
        "machine": {"cpus": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()]},
        "records": args.n,
        "killed": r["killed_returncode"] == -9,
        "killed_after_s": r["killed_after_s"],
        "embedded_before_kill": len(first),
        "vectors_saved_before_kill": len(saved),
        "lost_in_flight": len(first - saved),
        "rerun_embedded": len(second),
        "rerun_reported_embedded": summary.get("embedded"),
        "rerun_s": r["rerun_s"],
        "re_embedded_saved_texts": len(second & saved),
        "missing_after_rerun": args.n - len(second | saved),
        "items": (r["stats"] or {}).get("items"),
        "doctor_ok": r["doctor_returncode"] == 0,
        "journal_left": r["journal_left"],
    }
    result["ok"] = bool(result["killed"] and result["re_embedded_saved_texts"] == 0 and result["missing_after_rerun"] == 0
                        and result["rerun_embedded"] == args.n - len(saved) and result["items"] == args.n
                        and result["doctor_ok"] and not result["journal_left"])
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
