"""Generate N varied prompt files from the seed, labeled and example files.

The bundled files hold ~130 distinct items; a benchmark needs a catalog that
grows with N, with the duplicates and re-spellings real input has. Each
generated file takes a real question (lightly reworded), one recommended zoo
model and 4-5 related papers from the pool, and:

- with probability `new_rate`, makes an item new: a zoo model gets a new
  variant name (`SR-Real-ESRGAN-x4plus` -> `SR-Real-ESRGAN-Ft0412`), a paper a
  new arXiv id, a reworded title and a summary spliced from other summaries;
- otherwise re-uses a pool (or earlier generated) item, sometimes with its
  link spelled differently (`/abs/` vs `/pdf/...v1.pdf`) or without summary,
  which exercises de-duplication and enrichment.

Deterministic for a given seed. Usage: python benchmarks/gen_prompts.py OUT_DIR --n 1000
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog.prompt_format import format_prompt  # noqa: E402

SOURCES = [ROOT.parent / "shared" / "seeds", ROOT / "tests" / "data" / "labeled", ROOT / "examples"]

OPENERS = ["", "", "", "Quick question: ", "For a client project, ", "I'm new to this. ", "Our team wonders: ",
           "Asking for a friend: ", "Serious question - ", "Before we buy a GPU: "]
CLOSERS = ["", "", "", " Thanks!", " Any pointers appreciated.", " We need something that runs offline.",
           " It has to work on a laptop.", " Please keep it practical."]
TITLE_TWISTS = ["{t}", "Revisiting {t}", "{t}: An Empirical Study", "Towards Faster {t}", "{t} at Scale",
                "Lightweight {t}", "On the Robustness of {t}", "{t} Without Paired Data"]
VARIANT_WORDS = ["Ft", "Lite", "Pro", "XL", "Tiny", "HQ", "Fast", "Plus", "Mobile", "Wild"]


@dataclass(frozen=True)
class Entry:
    name: str
    paper: str | None
    github: str | None
    summary: str | None
    kind: str


def load_pool() -> tuple[list[str], list[Entry], list[Entry]]:
    from catalog import ParseError, parse_file

    questions: list[str] = []
    models: dict[str, Entry] = {}
    papers: dict[str, Entry] = {}
    for folder in SOURCES:
        for f in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
            try:
                doc = parse_file(f)
            except ParseError:
                continue
            if doc.question:
                questions.append(doc.question)
            for p in doc.items:
                it = p.item
                e = Entry(it.name, it.paper_url, it.github_url, it.summary, it.kind)
                (models if it.kind == "model" else papers).setdefault(it.key, e)
    if not questions or not models or not papers:
        raise SystemExit("gen_prompts: no seed/labeled/example files found to build from")
    return questions, list(models.values()), list(papers.values())


def _sentences(text: str | None) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text or "") if len(s) > 20]


class Generator:
    def __init__(self, seed: int = 7, new_rate: float = 0.5) -> None:
        self.rng = random.Random(seed)
        self.new_rate = new_rate
        self.questions, self.models, self.papers = load_pool()
        self.sentences = [s for p in self.papers for s in _sentences(p.summary)]
        self.next_arxiv = 0

    def _question(self) -> str:
        q = self.rng.choice(self.questions)
        return self.rng.choice(OPENERS) + q + self.rng.choice(CLOSERS)

    def _new_model(self, base: Entry) -> Entry:
        parts = base.name.split("-")
        variant = f"{self.rng.choice(VARIANT_WORDS)}{self.rng.randrange(10_000):04d}"
        name = "-".join(parts[:-1] + [variant]) if len(parts) > 2 else f"{base.name}-{variant}"
        return replace(base, name=name)

    def _new_paper(self, base: Entry) -> Entry:
        self.next_arxiv += 1
        root = re.sub(r"\s*\(\d+\)$", "", base.name.split(":")[0].strip())
        title = self.rng.choice(TITLE_TWISTS).format(t=root)
        title = f"{title} ({self.next_arxiv})"  # unique title: a new paper, not a re-spelling
        sents = self.rng.sample(self.sentences, k=min(3, len(self.sentences)))
        summary = " ".join(sents) if self.rng.random() < 0.9 else None
        paper = f"https://arxiv.org/abs/24{self.next_arxiv // 10000 % 100:02d}.{self.next_arxiv % 100000:05d}"
        return Entry(title, paper, base.github if self.rng.random() < 0.3 else None, summary, "paper")

    def _respell(self, e: Entry) -> Entry:
        """Same item, different spelling of its link, sometimes without its summary."""
        paper = e.paper
        m = re.search(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", paper or "")
        if m and self.rng.random() < 0.5:
            paper = self.rng.choice(
                [f"http://arxiv.org/pdf/{m.group(1)}v1.pdf", f"https://arxiv.org/abs/{m.group(1)}",
                 f"https://arxiv.org/abs/{m.group(1)}v2"]
            )
        summary = e.summary if self.rng.random() < 0.8 else None
        return replace(e, paper=paper, summary=summary)

    def pick(self, pool: list[Entry], make_new) -> Entry:
        if self.rng.random() < self.new_rate:
            e = make_new(self.rng.choice(pool))
            pool.append(e)  # later files can mention it again
            return e
        return self._respell(self.rng.choice(pool))

    def file_text(self) -> str:
        model = self.pick(self.models, self._new_model)
        papers: list[Entry] = []
        names = set()
        while len(papers) < self.rng.randint(4, 5):
            p = self.pick(self.papers, self._new_paper)
            if p.name not in names:
                names.add(p.name)
                papers.append(p)
        return render(self._question(), [model], papers)


def _entry(e: Entry) -> dict[str, str]:
    d = {"name": e.name}
    if e.paper:
        d["paper"] = e.paper
    if e.github:
        d["github"] = e.github
    if e.summary and e.kind == "paper":
        d["summary"] = e.summary
    return d


def render(question: str, models: list[Entry], papers: list[Entry]) -> str:
    return format_prompt(question, [_entry(m) for m in models], [_entry(p) for p in papers])


def generate(out_dir: Path, n: int, seed: int = 7, new_rate: float = 0.5) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed, new_rate)
    paths = []
    for i in range(n):
        path = out_dir / f"gen_{i:05d}.txt"
        path.write_text(gen.file_text(), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    paths = generate(args.out_dir, args.n, args.seed)
    print(f"wrote {len(paths)} prompt files to {args.out_dir}")


if __name__ == "__main__":
    main()
