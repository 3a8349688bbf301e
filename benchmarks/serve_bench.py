"""`modelkb serve` benchmarks: warm HTTP search latency, 8-client throughput, answer latency,
and repeated CLI `search` with and without a running server.

Loopback only, bounded loops. Used by benchmarks/run.py (section `serve`) on its bench
catalog and on that catalog grown to 100k items (benchmarks/big_catalog.py); standalone
on any catalog, optionally grown to --big N items (copied; the original is untouched):

    MODELKB_HOME=.modelkb-demo python benchmarks/serve_bench.py [--big 100000]
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from measure import ROOT, median_runs, modelkb_command, wall_runs

QUERIES = [
    "sharpen a blurry photo of a car", "upscale a low resolution face", "remove rain streaks from an image",
    "generate a photorealistic product shot", "denoise a night photo", "restore an old scratched photograph",
    "colorize black and white pictures", "remove motion blur from video frames", "MIMO-UNet RealBlur",
    "text to image diffusion model", "super resolution transformer", "low light enhancement",
]


def _pct(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"n": len(s), "p50_ms": round(1000 * s[len(s) // 2], 2), "p95_ms": round(1000 * s[int(0.95 * (len(s) - 1))], 2),
            "mean_ms": round(1000 * statistics.fmean(s), 2)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(conn: http.client.HTTPConnection, path: str) -> bytes:
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {resp.status} {body[:200]!r}")
    return body


def _search_path(q: str, k: int = 10) -> str:
    from urllib.parse import urlencode

    return "/api/search?" + urlencode({"q": q, "k": k})


def bench_serve(home: Path, prompt_files: list[Any] | None = None, searches: int = 200,
                clients: int = 8, per_client: int = 25, answers: int = 10, cli_repeats: int = 3) -> dict[str, Any]:
    """Start `modelkb serve` on the catalog in `home`, measure, stop it."""
    env = dict(os.environ, MODELKB_HOME=str(home), PYTHONPATH=str(ROOT))
    env.pop("MODELKB_SERVER", None)
    env.pop("MODELKB_NO_SERVER", None)
    port = _free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(modelkb_command() + ["serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    out: dict[str, Any] = {"loadavg_start": _load()}
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                _get(conn, "/healthz")
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("modelkb serve exited: " + proc.stderr.read().decode()[-2000:]) from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        out["startup_s"] = round(time.perf_counter() - t0, 2)
        out["catalog_items"] = json.loads(_get(conn, "/api/stats"))["items"]

        for q in QUERIES:  # warm every code path once
            _get(conn, _search_path(q))
        samples = []
        for i in range(searches):
            t = time.perf_counter()
            _get(conn, _search_path(QUERIES[i % len(QUERIES)] + f" {i}"))
            samples.append(time.perf_counter() - t)
        out["http_search_warm"] = _pct(samples)

        errors: list[str] = []

        def client(c: int) -> None:
            cc = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                for j in range(per_client):
                    _get(cc, _search_path(QUERIES[(c + j) % len(QUERIES)] + f" c{c}"))
            except Exception as exc:  # reported, not raised in the thread
                errors.append(repr(exc))
            finally:
                cc.close()

        threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t
        out["http_search_concurrent"] = {"clients": clients, "requests": clients * per_client, "errors": len(errors),
                                         "wall_s": round(wall, 2), "requests_per_s": round(clients * per_client / wall, 1)}

        conn.close()  # idle through the concurrent phase: the server may have closed it (keep-alive timeout)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        if prompt_files:
            a_samples = []
            for n, f in enumerate([prompt_files[0], *prompt_files[:answers]]):  # the first one warms up, untimed
                data = f.read_bytes() if isinstance(f, Path) else f.read_or_fail()  # a Path or a modelkb InputFile
                body = json.dumps({"name": Path(f.name).name, "data_base64": base64.b64encode(data).decode(), "format": "md"})
                t = time.perf_counter()
                conn.request("POST", "/api/answer", body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                if n:
                    a_samples.append(time.perf_counter() - t)
            out["http_answer"] = _pct(a_samples)

        def cli_runs(extra: list[str]) -> dict[str, Any]:
            search = ["search", "sharpen a blurry photo of a car", "-k", "5"]
            median, runs = median_runs(wall_runs(modelkb_command() + extra + search, env, cli_repeats, cwd=ROOT))
            return {"median": median, "runs": runs}

        out["cli_search_with_server_s"] = cli_runs([])
        out["cli_search_without_server_s"] = cli_runs(["--no-server"])
        conn.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    out["loadavg_end"] = _load()
    w, c = out["http_search_warm"], out["http_search_concurrent"]
    print(f"serve: {out['catalog_items']} items; HTTP search p50 {w['p50_ms']:.1f}ms p95 {w['p95_ms']:.1f}ms; "
          f"{c['clients']} clients {c['requests_per_s']:.0f} req/s; CLI search with server "
          f"{out['cli_search_with_server_s']['median']:.2f}s, without {out['cli_search_without_server_s']['median']:.2f}s",
          file=sys.stderr, flush=True)
    return out


def bench_serve_big(home: Path, work: Path, items: int, prompt_files: list[Any] | None = None) -> dict[str, Any]:
    """The catalog in `home` grown to `items` items in a copy under `work` (big_catalog.py), then measured."""
    from big_catalog import build

    built = build(home, work / f"home-{items}", items)
    print(f"serve: grew the catalog to {built['items']} items in {built['total_s']:.0f}s", file=sys.stderr, flush=True)
    try:
        return {"built": built, **bench_serve(work / f"home-{items}", prompt_files)}
    finally:
        import shutil

        shutil.rmtree(work / f"home-{items}", ignore_errors=True)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def summary_lines(s: dict[str, Any]) -> list[str]:
    w, c = s["http_search_warm"], s["http_search_concurrent"]
    load = f"; load {s['loadavg_start'][0]:.1f}" if "loadavg_start" in s else ""
    lines = [f"serve     {s['catalog_items']} items: HTTP search p50 {w['p50_ms']:.1f} / p95 {w['p95_ms']:.1f} ms; "
             f"{c['clients']} clients {c['requests_per_s']:.0f} req/s ({c['errors']} errors); startup {s['startup_s']:.1f}s{load}",
             f"          CLI search: with server {s['cli_search_with_server_s']['median']:.2f}s, "
             f"without {s['cli_search_without_server_s']['median']:.2f}s (median)"]
    if "built" in s:
        b = s["built"]
        lines.append(f"          (grown to {b['items']} items with {b['synthetic']} synthetic ones, "
                     f"benchmarks/big_catalog.py, in {b['total_s']:.0f}s; index {b['index_type']})")
    if "http_answer" in s:
        lines.append(f"          HTTP answer p50 {s['http_answer']['p50_ms']:.0f} / p95 {s['http_answer']['p95_ms']:.0f} ms")
    return lines


if __name__ == "__main__":
    import argparse
    import tempfile

    from datetime import datetime, timezone

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", type=int, default=0, help="also measure a copy grown to this many items")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    args = ap.parse_args()
    home = Path(os.environ.get("MODELKB_HOME") or ".modelkb-demo").resolve()
    files = sorted((ROOT / "examples").glob("*.txt"))
    result: dict[str, Any] = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              "machine": {"cpus": os.cpu_count(), "loadavg_start": _load()},
                              "answer_files": "examples/*.txt", "sections": {}}
    result["sections"]["serve"] = bench_serve(home, files)
    if args.big:
        with tempfile.TemporaryDirectory(prefix="modelkb-serve-") as tmp:
            result["sections"]["serve_big"] = bench_serve_big(home, Path(tmp), args.big, files)
    result["machine"]["loadavg_end"] = _load()
    text = json.dumps(result, indent=2) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text, end="")
    print("\n".join(line for key in ("serve", "serve_big") if key in result["sections"]
                    for line in summary_lines(result["sections"][key])), file=sys.stderr)
