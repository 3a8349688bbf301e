"""Tokenizer for the BM25 side of retrieval.

The lexical index exists for what embeddings blur: model names, dataset names
and acronyms. So a name like `MIMO-UNet` is kept whole (`mimo-unet`) *and*
split into its parts (`mimo`, `unet`), CamelCase names (`RealBlur`,
`StableDiffusionV1`) also yield their words, short acronyms (`SR`, `HDR`,
`RAW`) and scale factors (`4x`, `x4`) survive, and plain English words are
stemmed so "upscaling" meets "upscale". Queries and documents go through the
same function, so whatever it does is symmetric.
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: Bump when the output of `tokenize` changes, so persisted lexical indexes are rebuilt.
TOKENIZER_VERSION = 1

# A fixed list (not a library's), so token output never shifts with a dependency upgrade.
STOP_WORDS: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn
    doing don down during each even ever every few for from further get gets got had hadn
    has hasn have haven having he her here hers herself him himself his how however i if in
    into is isn it its itself just let like ll may me might more most much must mustn my
    myself no nor not now of off on once only or other ought our ours ourselves out over own
    per quite rather re really s same shall shan she should shouldn so some such t than that
    the their theirs them themselves then there these they this those through thus to too
    under until up upon us ve very via was wasn we were weren what when where whether which
    while who whom whose why will with within without won would wouldn yet you your yours
    yourself yourselves
    """.split()
)

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")

# A "name": alphanumeric runs joined by '-' or '_', or by '.' between digits
# ("stable-diffusion-1.5", "MIMO-UNet", "Txt2Img-StableDiffusionV1-CyberRealistic").
_NAME = re.compile(r"[^\W_]+(?:(?:[-_]|(?<=\d)\.(?=\d))[^\W_]+)*")
_JOINER = re.compile(r"[-_]")
# CamelCase / letter-digit pieces: "StableDiffusionV1" -> Stable, Diffusion, V1;
# "Txt2Img" -> Txt, 2, Img; "MIMO" stays whole; "UNet" -> U, Net.
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")
_CAMEL = re.compile(r"[A-Z]\d+(?=[A-Z]|$)|[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@functools.lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer  # PyStemmer; C extension, imported on first use

    return Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def _emit(piece: str, out: list[str]) -> None:
    """Append one lower-cased piece unless it is noise; stem plain words."""
    low = piece.lower()
    if len(low) < 2 and not low.isdigit():
        return
    if low.isdigit() and len(low) < 2:
        return  # lone digits ("2" of Txt2Img) carry no meaning
    if low in STOP_WORDS:
        return
    out.append(_stem(low) if low.isalpha() else low)


def _camel_parts(part: str) -> list[str]:
    """CamelCase and letter/digit pieces of one hyphen-free part (mixed case only)."""
    if part.islower() or part.isupper() or part.isdigit():
        return []
    if _PLURAL_ACRONYM.fullmatch(part):  # "DNNs", "GANs" -> "dnn", "gan"
        return [part[:-1]]
    pieces = _CAMEL.findall(part)
    if len(pieces) < 2:
        return []
    # Two-letter mixed-case fragments ("Vi" of ViT, "Lo" of LoRA) are noise;
    # acronyms ("SR" of RealSR) and versions ("V1") are not.
    return [p for p in pieces if len(p) >= 3 or p.isupper() or any(c.isdigit() for c in p)]


def tokenize(text: str) -> list[str]:
    """Lower-cased BM25 tokens of `text`, in order, duplicates kept (they are term frequency).

    Each name yields itself whole, then its hyphen parts, then CamelCase pieces:
    `MIMO-UNet` -> `mimo-unet`, `mimo`, `unet`, `net`. English stop words and
    one-letter pieces are dropped; purely alphabetic tokens are Snowball-stemmed.
    """
    if not text:
        return []
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    out: list[str] = []
    for match in _NAME.finditer(text):
        name = match.group(0)
        parts = [p for p in _JOINER.split(name) if p]
        _emit(name, out)
        if len(parts) > 1:
            for part in parts:
                _emit(part, out)
        for part in parts:
            for piece in _camel_parts(part):
                _emit(piece, out)
    return out
