"""The answer as data: what `compose` builds and `render` turns into Markdown / JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from answerer.rank import RankedItem

@dataclass
class TaskInfo:
    id: str
    name: str  # precise, qualified: "single-image super-resolution (face upscaling)"
    base_name: str  # the taxonomy name: "single-image super-resolution"
    qualifier: str | None
    description: str
    input: str
    output: str
    confidence: float
    matched: list[str] = field(default_factory=list)  # question words that named it
    related: list[str] = field(default_factory=list)  # other tasks the question touches
    family: str = ""  # the glossary task's family; "" when none is asserted
    source: str = "glossary"  # glossary | items (named from the items' evidence) | none (abstained)
    evidence: list[str] = field(default_factory=list)  # why this task, in words
    #: abstained: glossary tasks the question's own words name (task name -> those words), likeliest
    #: first, which the items closest to it do not support; a "not sure" answer still says so
    named_by_question: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class WorkflowStep:
    """One step of input -> model -> output; `item` names the provided item it uses."""

    stage: str  # input | model | output
    text: str
    item: str | None = None
    kind: str | None = None
    score: float | None = None
    fit: str | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass
class SupportingItem:
    name: str
    kind: str
    role: str
    score: float
    fit: str
    fit_reason: str
    evidence: list[str] = field(default_factory=list)


@dataclass
class Workflow:
    steps: list[WorkflowStep]
    flow: str  # one line: "a blurry CCTV still → FeatSharp → an upscaled image"
    supporting: list[SupportingItem] = field(default_factory=list)
    set_aside: list[SupportingItem] = field(default_factory=list)  # poor fits, with why
    notes: list[str] = field(default_factory=list)


@dataclass
class Evidence:
    sentence: str  # verbatim from the item's summary
    item: str  # the provided item it came from
    score: float


@dataclass
class SubAnswer:
    question: str
    intent: str
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # glossary knowledge about provided models


@dataclass
class Reference:
    rank: int
    name: str
    kind: str
    role: str
    score: float
    fit: str
    paper_url: str | None
    github_url: str | None


@dataclass
class Answer:
    question: str
    task: TaskInfo
    intent: str
    intents: list[str]
    ranking: list[RankedItem]
    workflow: Workflow
    subquestions: list[SubAnswer]
    references: list[Reference]
    notes: list[str] = field(default_factory=list)
    source: str | None = None  # path of the prompt file, when known

    @property
    def leading(self) -> list[str]:
        return [s.item for s in self.workflow.steps if s.stage == "model" and s.item]
