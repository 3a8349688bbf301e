"""The index folder's manifest: file names, fingerprint, reading and cross-checking.

`diagnose` reads every file of the folder and says, in words, what (if
anything) makes it unusable and how deep the damage goes, so `SearchIndex`
can decide between using it, rebuilding FAISS/BM25 from the stored vectors,
or re-embedding everything. See indexer/README.md for the format.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Literal

import numpy as np

from indexer.embedder import Embedder
from indexer.faiss_index import load_faiss
from indexer.files import utc_now
from indexer.lexical import BM25_DIR, load_bm25
from indexer.scoring import BM25_PARAMS
from indexer.tokenize import TOKENIZER_VERSION

FORMAT = "modelkb-index"
FORMAT_VERSION = 1

MANIFEST = "manifest.json"
IDS = "ids.npy"
VECTORS = "vectors.npy"
HASHES = "hashes.json"
FAISS = "faiss.index"
LOCK = ".lock"
NEW_INDEX = "no index yet"
SIZED_FILES = (IDS, VECTORS, HASHES, FAISS)
CORE_FILES = (IDS, HASHES, VECTORS)  # damage here means re-embedding; the rest is derived
CHECKSUMS = "sha256"  # manifest key: {relative file name: sha256 hex} of every index file


def fingerprint(pairs: Collection[tuple[int, str]]) -> str:
    """sha256 over sorted (id, hash) pairs: identifies exactly which texts are indexed."""
    h = hashlib.sha256()
    for item_id, text_hash in sorted((int(i), str(s)) for i, s in pairs):
        h.update(f"{item_id}:{text_hash}\n".encode())
    return h.hexdigest()


@dataclass
class IndexState:
    """A loaded, validated index."""

    manifest: dict[str, Any]
    ids: np.ndarray  # int64, sorted ascending
    vectors: np.ndarray  # float32 (n, d), rows aligned with ids
    hashes: dict[int, str]
    faiss_index: Any = None
    bm25: Any = None
    row_of: dict[int, int] = field(default_factory=dict)
    stamp: tuple[int, int, int] | None = None


@dataclass
class Diagnosis:
    """Result of reading the folder: a state if usable, else problems and their depth."""

    state: IndexState | None
    problems: list[str]
    # "none": usable; "derived": vectors usable, faiss/bm25 must be rebuilt;
    # "core": nothing reusable, everything must be re-embedded.
    level: Literal["none", "derived", "core"]


def row_index(ids: np.ndarray) -> dict[int, int]:
    """id -> row of the aligned arrays."""
    return {int(i): r for r, i in enumerate(ids.tolist())}


def manifest_stamp(directory: Path) -> tuple[int, int, int] | None:
    """(inode, mtime, size) of the manifest: changes whenever another process rewrites it."""
    try:
        st = (directory / MANIFEST).stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def index_files(folder: Path) -> list[str]:
    """Every file of the index in `folder` as '/'-separated relative names: the
    core arrays, faiss.index (whatever its type) and everything under bm25/."""
    names = [name for name in SIZED_FILES if (folder / name).is_file()]
    bm25 = folder / BM25_DIR
    if bm25.is_dir():
        names += sorted(p.relative_to(folder).as_posix() for p in bm25.rglob("*") if p.is_file())
    return names


def file_checksum(path: Path) -> str:
    """sha256 of a file's content, streamed (the vectors can be hundreds of MB)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def checksums(folder: Path) -> dict[str, str]:
    """Content checksums of every index file in `folder`, for the manifest."""
    return {name: file_checksum(folder / name) for name in index_files(folder)}


def verify_checksums(directory: Path, manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(core problems, derived problems): files that changed since the manifest was
    written, by content. Same-size corruption or a file swapped in from another
    index passes every structural check, so this runs once per load and in `doctor`."""
    recorded = manifest.get(CHECKSUMS)
    if not isinstance(recorded, dict) or not recorded:
        return ["manifest.json records no file checksums (written by an older modelkb)"], []
    core: list[str] = []
    derived: list[str] = []
    for name in (*SIZED_FILES, BM25_DIR):
        if name != BM25_DIR and name not in recorded:
            (core if name in CORE_FILES else derived).append(f"manifest.json records no checksum for {name}")
    if not any(str(n).startswith(BM25_DIR + "/") for n in recorded):
        derived.append(f"manifest.json records no checksum for {BM25_DIR}/")
    for name, digest in sorted(recorded.items()):
        path = directory / str(name)
        problems = core if name in CORE_FILES else derived
        if ".." in Path(str(name)).parts or Path(str(name)).is_absolute():
            core.append(f"manifest.json names a file outside the index: {name!r}")
        elif not path.is_file():
            problems.append(f"{name} is missing")
        elif file_checksum(path) != digest:
            problems.append(f"{name} is corrupt or was replaced (its content does not match the manifest's checksum)")
    return core, derived


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest as stored, or None when missing or unreadable."""
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def diagnose(directory: Path, embedder: Embedder) -> Diagnosis:
    """Read and cross-check every file against `embedder`'s model name and dimension;
    never raises for bad content."""
    d = directory
    mpath = d / MANIFEST
    if not mpath.exists():
        if d.exists() and any((d / name).exists() for name in (*SIZED_FILES, BM25_DIR)):
            return Diagnosis(None, ["manifest.json is missing (an earlier write was interrupted?)"], "core")
        return Diagnosis(None, [NEW_INDEX], "core")
    stamp = manifest_stamp(d)
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        return Diagnosis(None, [f"manifest.json is unreadable ({exc})"], "core")
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        return Diagnosis(
            None,
            [
                f"manifest.json has format {manifest.get('format')!r} version "
                f"{manifest.get('format_version')!r}, expected {FORMAT!r} version {FORMAT_VERSION}"
            ],
            "core",
        )
    required = ("model", "dimension", "count", "fingerprint", "index_type")
    missing = [k for k in required if k not in manifest]
    if missing:
        return Diagnosis(None, [f"manifest.json lacks {', '.join(missing)}"], "core")
    if manifest["model"] != embedder.name:
        return Diagnosis(
            None, [f"index was built with model {manifest['model']!r}, now {embedder.name!r}"], "core"
        )
    dim = int(embedder.dimension)
    if int(manifest["dimension"]) != dim:
        return Diagnosis(
            None, [f"index has dimension {manifest['dimension']}, the model produces {dim}"], "core"
        )
    count = int(manifest["count"])
    sizes = manifest.get("files", {})

    # -- content checksums of every file (cheap next to loading; catches same-size damage)
    core_bad, derived_bad = verify_checksums(d, manifest)
    if core_bad:
        return Diagnosis(None, core_bad + derived_bad, "core")

    # -- core files: ids, hashes, vectors
    problems: list[str] = []
    for name in CORE_FILES:
        p = d / name
        if not p.is_file():
            problems.append(f"{name} is missing")
        elif name in sizes and p.stat().st_size != sizes[name]:
            problems.append(f"{name} has {p.stat().st_size} bytes, manifest says {sizes[name]}")
    if problems:
        return Diagnosis(None, problems, "core")
    try:
        ids = np.load(d / IDS, allow_pickle=False)
        raw_hashes = json.loads((d / HASHES).read_text(encoding="utf-8"))
        vectors = np.load(d / VECTORS, mmap_mode="r", allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - any unreadable file means "rebuild"
        return Diagnosis(None, [f"index files are unreadable ({type(exc).__name__}: {exc})"], "core")
    if ids.ndim != 1 or ids.dtype != np.int64:
        problems.append(f"ids.npy has shape {ids.shape} dtype {ids.dtype}, expected 1-d int64")
    elif ids.shape[0] != count:
        problems.append(f"ids.npy holds {ids.shape[0]} ids, manifest says {count}")
    if vectors.dtype != np.float32 or vectors.shape != (count, dim):
        problems.append(
            f"vectors.npy has shape {vectors.shape} dtype {vectors.dtype}, expected ({count}, {dim}) float32"
        )
    try:
        hashes = {int(k): str(v) for k, v in dict(raw_hashes).items()}
    except (TypeError, ValueError):
        hashes = {}
        problems.append("hashes.json is not a map of id -> hash")
    if not problems:
        if len(hashes) != count or set(hashes) != set(ids.tolist()):
            problems.append("hashes.json and ids.npy list different ids")
        elif fingerprint(hashes.items()) != manifest["fingerprint"]:
            problems.append("hashes.json does not match the manifest fingerprint")
    if problems:
        return Diagnosis(None, problems, "core")
    state = IndexState(
        manifest=manifest, ids=ids, vectors=vectors, hashes=hashes, row_of=row_index(ids), stamp=stamp
    )

    # -- derived files: faiss, bm25 (rebuildable from vectors and texts)
    problems.extend(derived_bad)
    bad_faiss = any(FAISS in p for p in derived_bad)
    bad_bm25 = any(f"{BM25_DIR}/" in p for p in derived_bad)
    fpath = d / FAISS
    if bad_faiss:
        pass  # already reported; not loaded
    elif not fpath.is_file():
        problems.append("faiss.index is missing")
    elif FAISS in sizes and fpath.stat().st_size != sizes[FAISS]:
        problems.append(f"faiss.index is corrupt ({fpath.stat().st_size} bytes, manifest says {sizes[FAISS]})")
    else:
        state.faiss_index, problem = load_faiss(fpath, int(manifest.get("faiss_ntotal", count)), dim)
        if problem:
            problems.append(problem)
    if bad_bm25:
        pass  # already reported; not loaded
    elif manifest.get("tokenizer") != TOKENIZER_VERSION:
        problems.append(
            f"lexical index was built with tokenizer version {manifest.get('tokenizer')}, "
            f"now {TOKENIZER_VERSION}"
        )
    else:
        state.bm25, problem = load_bm25(d / BM25_DIR, count)
        if problem:
            problems.append(problem)
    return Diagnosis(state, problems, "derived" if problems else "none")


def build_manifest(
    *,
    folder: Path,
    model: str,
    dimension: int,
    count: int,
    index_type: str,
    hashes: dict[int, str],
    hnsw: dict[str, Any] | None,
    faiss_ntotal: int,
    stale: int,
    previous: dict[str, Any] | None,
) -> dict[str, Any]:
    """The manifest for the files just written to `folder` (their sizes and content
    checksums are recorded);
    `created` carries over from `previous` unless the model changed."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model,
        "dimension": dimension,
        "count": count,
        "index_type": index_type,
        "fingerprint": fingerprint(hashes.items()),
        "tokenizer": TOKENIZER_VERSION,
        "bm25": dict(BM25_PARAMS),
        "hnsw": hnsw,
        "faiss_ntotal": faiss_ntotal,
        "stale": stale,
        "files": {name: (folder / name).stat().st_size for name in SIZED_FILES},
        CHECKSUMS: checksums(folder),
        "created": (previous or {}).get("created") or utc_now(),
        "updated": utc_now(),
    }
    if previous is None or previous.get("model") != model:
        manifest["created"] = utc_now()
    return manifest
