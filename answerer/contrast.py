"""What the user says they do *not* want.

Users often name the obvious approach to rule it out: "a dense depth map from
each synchronized pair, rather than guessing depth from a single picture";
"recommendations that use those links, not just who bought what"; "which model
can search the page images directly instead of running OCR first?". A sentence
embedder reads the ruled-out words as part of the request (MiniLM does not
model negation), so the items that do exactly what the user rejects look
closest. The ranking takes off what an item gains that way, and task
detection what a task or an item gains (`ruled_out_loss`).

Dropping the clause from the question instead was tried: the clause often
carries the domain too ("follow a pose sketch instead of just the text
prompt" is still image generation), and three tuning files lost their task.
"""

from __future__ import annotations

import re

import numpy as np

#: Evidence taken off per unit of cosine by which an item (or a task) is closer to what the
#: question rules out than to the question (`ruled_out_loss`). Large because
#: the gap is in raw cosine (a few hundredths); on the 37 tuning files with such a clause the
#: ranking's results were flat from 3 to 6.
RULED_OUT_WEIGHT = 4.0

#: A contrast marker and its clause, up to the clause's end (comma, stop, question mark...).
_CONTRAST = re.compile(
    r"""(?ix)
    (?:^|(?<=[\s,]))
    (?:
        rather\s+than | instead\s+of | unlike
      | not\s+(?:just|merely|simply)          # "not just who bought what"; "not only ... but" adds
      | (?<=,\s)(?:and\s+)?not(?!\s+only) | (?<=,)(?:and\s+)?not(?!\s+only)   # ", not a blotchy mask"
      | and\s+not                             # "so MIDI and not a finished audio file"
    )
    \s+(?P<clause>[^,.;:?!]*)
    """
)


def ruled_out(question: str) -> list[str]:
    """The clauses of `question` that say what is not wanted, without their marker:
    "… rather than guessing depth from a single picture?" -> ["guessing depth from a single picture"]."""
    text = " ".join((question or "").split())
    return [c for m in _CONTRAST.finditer(text) if len((c := m.group("clause").strip()).split()) >= 2]


def ruled_out_loss(to_ruled: np.ndarray, to_question: np.ndarray) -> np.ndarray:
    """Evidence lost by what is closer (cosine) to the ruled-out clauses than to the question:
    `RULED_OUT_WEIGHT` times the gap, 0 where it is not closer."""
    return RULED_OUT_WEIGHT * np.clip(np.asarray(to_ruled, dtype=np.float64) - to_question, 0.0, None)
