"""The task an answer is about (`TaskMatch`), and the two headings that are no glossary task.

`answerer.task_detection` decides it; the ranking, the workflow and the answer read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from answerer.tasks import Task


@dataclass
class TaskMatch:
    """The task a question is about, named as precisely as the evidence allows."""

    task: Task
    qualifier: str | None
    confidence: float  # 0..1: estimated probability that `task` is right
    scores: dict[str, float]  # task id -> evidence score, top few
    matched: list[str] = field(default_factory=list)  # question words that named the task
    secondary: list[Task] = field(default_factory=list)  # other tasks the question touches
    source: str = "glossary"  # glossary | items (named from the items' evidence) | none
    evidence: list[str] = field(default_factory=list)  # why, in words
    guess: dict[str, float] = field(default_factory=dict)  # abstained: the likeliest glossary tasks, relative
    uses: dict[str, float] = field(default_factory=dict)  # named in the items' words: item -> how sure it uses the name
    named_by_question: dict[str, list[str]] = field(default_factory=dict)  # abstained: task id -> question words naming it

    @property
    def id(self) -> str:
        return self.task.id

    @property
    def name(self) -> str:
        return f"{self.task.name} ({self.qualifier})" if self.qualifier else self.task.name

    @property
    def description(self) -> str:
        return self.task.description

    @property
    def family(self) -> str:
        return self.task.family

    @property
    def in_glossary(self) -> bool:
        """True when a glossary task is asserted (not abstained, not named from the items)."""
        return self.source == "glossary"

    def weights(self) -> dict[str, float]:
        """Question task distribution used for matching items: main task 1.0, secondaries less."""
        if self.uses:
            return {}  # named in the items' words: the items that use the name match (`uses`)
        if not self.in_glossary:
            return dict(self.guess)  # counted in the ranking only by the (low) confidence
        out = {self.task.id: 1.0}
        top = self.scores.get(self.task.id, 0.0) or 1.0
        for t in self.secondary:
            out[t.id] = round(min(0.6, 0.6 * self.scores.get(t.id, 0.0) / top), 4)
        return out


#: What a task the glossary does not describe takes and gives: the chosen model's own.
UNKNOWN_INPUT = "the input the chosen model expects (see its description below)"
UNKNOWN_OUTPUT = "the output that model produces"

UNSPECIFIED_TASK = Task(
    id="unspecified",
    name="a task the question does not name",
    description=(
        "The question does not say what the AI should do, so the provided items are "
        "ranked by how closely their descriptions match the question itself."
    ),
    input=UNKNOWN_INPUT,
    output=UNKNOWN_OUTPUT,
)

OUTSIDE_GLOSSARY = Task(
    id="outside-glossary",
    name="a task outside the glossary",
    description=(
        "No task in the glossary is clearly supported by the question and the provided items, "
        "so none is asserted; the items are ranked by how closely their own descriptions match "
        "the question."
    ),
    input=UNKNOWN_INPUT,
    output=UNKNOWN_OUTPUT,
)
