"""Writing prompt files in the seeds' layout: the inverse of `catalog.parse`.

Used to generate corpora (benchmarks) and fixtures (tests); `parse_bytes` reads
back exactly what `format_prompt` writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

PREAMBLE = (
    "You are an AI scientist.\n\nA user has asked the following question:\n"
    '"{question}"\n\n'
    "Based on the following recommended models, explain:\n\n"
    "1. What task the user is trying to perform.\n"
    "2. How the model(s) would work in a CNAPS AI-like workflow (input \u2192 model \u2192 output).\n"
    "3. List relevant papers and tools (with GitHub or ArXiv links) that support your answer.\n\n"
    "Use **only the provided models and papers**. Do not refer to outside sources.\n\n"
)
FIELDS = (("paper", "Paper"), ("github", "GitHub"), ("summary", "Summary"))


def format_block(entry: Mapping[str, str | None]) -> str:
    """`Model:` then the fields present in `entry`; a None value is written `None`."""
    lines = [f"Model: {entry['name']}"]
    for key, label in FIELDS:
        if key in entry:
            lines.append(f"{label}: {'None' if entry[key] is None else entry[key]}")
    return "\n".join(lines)


def format_prompt(
    question: str,
    models: Iterable[Mapping[str, str | None]] = (),
    papers: Iterable[Mapping[str, str | None]] = (),
) -> str:
    """A whole prompt file: question, recommended models, related papers, `Answer:`."""
    return (
        PREAMBLE.format(question=question)
        + "### Recommended AI Models:\n" + "\n\n".join(format_block(m) for m in models) + "\n\n"
        + "### Related Papers:\n" + "\n\n".join(format_block(p) for p in papers) + "\n\n\nAnswer:\n"
    )
