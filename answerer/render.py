"""Answer -> Markdown for people, dict (JSON) for programs.

Everything that comes from a prompt file is untrusted text: it is collapsed
to one line wherever it is placed inline, HTML (`<script>`, `<img onerror>`)
is escaped so it shows as text, `[` and `]` are escaped so no link or image
can be made of it, and `|` is escaped inside table cells, so a title with a
pipe or a newline cannot break the table or start a heading. Only http(s)
links become live links; a character that could end the link early (`>`, a
space) is percent-encoded in the link. The JSON keeps every value exactly as
the file wrote it. A missing link is shown as "not provided", never guessed.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from answerer.answer import Answer, TaskInfo
from answerer.rank import RankedItem
from answerer.taxonomy import INTENT_DESCRIPTIONS

NOT_PROVIDED = "not provided"
NOT_A_WEB_LINK = "not a web link"
ARROW = "\u2192"

_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&lt;" written in the file shows as "&lt;"
_WEB_LINK = re.compile(r"^https?://[^\s/?#<>]", re.IGNORECASE)
# Characters not allowed (or not literal) inside a CommonMark autolink `<...>`.
_LINK_UNSAFE = re.compile(r"[\x00-\x20\x7f<>\\\"`]")


def _inline(text: str | None) -> str:
    """One line of untrusted text as Markdown that shows exactly that text:
    whitespace collapsed; backslashes, `[`, `]` and HTML escaped."""
    s = " ".join(str(text if text is not None else "").split())
    s = s.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return _ENTITY.sub("&amp;", s).replace("<", "&lt;").replace(">", "&gt;")


def _table_cell(markdown: str) -> str:
    """Markdown placed in a table cell: pipes escaped."""
    return markdown.replace("|", "\\|")


def _cell(text: str | None) -> str:
    """A table cell of untrusted text."""
    return _table_cell(_inline(text))


def link_target(url: str) -> str:
    """`url` as written inside `<...>`: only the characters that would end or bend the
    autolink (space, `<`, `>`, backslash, quotes, controls) are percent-encoded."""
    return _LINK_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8")), url.strip())


def _link(url: str | None) -> str:
    """A live link for an http(s) URL; any other scheme (javascript:, file:, ...) as plain text."""
    if not url:
        return NOT_PROVIDED
    if _WEB_LINK.match(url.strip()):
        return f"<{link_target(url)}>"
    return f"{_inline(url)} ({NOT_A_WEB_LINK})"


def _quote(sentences: list[str]) -> str:
    return " ".join(f"\u201c{_inline(s)}\u201d" for s in sentences)


#: A glossary heading at or above this confidence reads "likely"; below it, "tentative".
LIKELY = 0.6


def how_sure(task: TaskInfo) -> str:
    """The heading's confidence in words, so a guess does not read like a fact; "" when it abstained
    (the heading says so itself)."""
    if task.source == "none":
        return ""
    if task.source == "items" and task.id.startswith("items:"):
        return f"{task.confidence:.2f} (named in the items' own words; no glossary task fits well enough)"
    if task.confidence >= LIKELY:
        return f"{task.confidence:.2f} (likely)"
    return f"{task.confidence:.2f} (tentative: the question and the items leave room for another task)"


def to_markdown(answer: Answer) -> str:
    """The answer as Markdown: task, workflow, sub-question answers, ranked papers and tools."""
    out: list[str] = []
    task = answer.task
    out.append(f"# Answer: {_inline(task.name)}")
    out.append("")
    out.append(f"**Question:** \u201c{_inline(answer.question)}\u201d")
    out.append("")

    out.append("## 1. Task")
    out.append("")
    out.append(f"**{_inline(task.name)}.** {_inline(task.description)}")
    out.append("")
    intent_text = INTENT_DESCRIPTIONS.get(answer.intent, answer.intent)
    out.append(f"- **What is asked:** {_inline(answer.intent)} \u2014 {_inline(intent_text)}")
    sure = how_sure(task)
    if sure:
        out.append(f"- **How sure:** {sure}")
    if task.matched:
        words = ", ".join(f"\u201c{_inline(w)}\u201d" for w in task.matched[:6])
        out.append(f"- **Recognised from:** {words}")
    items_ev = [e for e in task.evidence if not e.startswith("the question's words")]
    if items_ev:
        out.append(f"- **Supported by:** {'; '.join(_inline(e) for e in items_ev)}")
    for name, words in task.named_by_question.items():
        quoted = ", ".join(f"\u201c{_inline(w)}\u201d" for w in words[:4])
        out.append(f"- **Not sure:** the question's words ({quoted}) name {_inline(name)}, but the "
                   "provided items do not clearly bear it out, so it is not asserted")
    if task.related:
        out.append(f"- **Also touches on:** {', '.join(_inline(t) for t in task.related)}")
    for note in answer.notes:
        out.append(f"- **Note:** {_inline(note)}")
    out.append("")

    out.append(f"## 2. Workflow (input {ARROW} model {ARROW} output)")
    out.append("")
    wf = answer.workflow
    if wf.flow:
        out.append(f"**In short:** {_inline(wf.flow)}")
        out.append("")
    for note in wf.notes:
        out.append(f"> {_inline(note)}")
        out.append("")
    n = 0
    for step in wf.steps:
        n += 1
        if step.stage == "input":
            out.append(f"{n}. **Input** \u2014 {_inline(step.text)}")
        elif step.stage == "model":
            meta = f"{step.kind}, score {step.score:.2f}, {step.fit} fit" if step.score is not None else step.kind
            out.append(f"{n}. **Model: {_inline(step.item)}** ({_inline(meta)}) \u2014 {_inline(step.text)}")
        else:
            out.append(f"{n}. **Output** \u2014 {_inline(step.text)}")
    out.append("")
    if wf.supporting:
        out.append("**Supporting items (most relevant first):**")
        out.append("")
        for s in wf.supporting:
            line = (f"- **{_inline(s.name)}** ({_inline(s.kind)}, {_inline(s.role)}; score {s.score:.2f}, "
                    f"{_inline(s.fit)} fit: {_inline(s.fit_reason)})")
            if s.evidence:
                line += f" \u2014 {_quote(s.evidence)}"
            out.append(line)
        out.append("")
    if wf.set_aside:
        out.append("**Set aside (poor fit for this question):**")
        out.append("")
        for s in wf.set_aside:
            out.append(f"- **{_inline(s.name)}** ({_inline(s.kind)}, {_inline(s.role)}; score {s.score:.2f}) "
                       f"\u2014 {_inline(s.fit_reason)}")
        out.append("")

    if answer.subquestions:
        title = "Answers to the sub-questions" if len(answer.subquestions) > 1 else "Evidence for the question"
        out.append(f"## {title}")
        out.append("")
        for i, sub in enumerate(answer.subquestions, 1):
            out.append(f"### Q{i}. {_inline(sub.question)}")
            out.append("")
            if sub.evidence:
                for e in sub.evidence:
                    out.append(f"- \u201c{_inline(e.sentence)}\u201d \u2014 *{_inline(e.item)}*")
            else:
                out.append("- The provided summaries do not address this directly.")
            for note in sub.notes:
                out.append(f"- Architecture glossary: {_inline(note)}")
            out.append("")

    out.append("## 3. Papers and tools")
    out.append("")
    out.append("| # | Item | Kind | Role | Score | Fit | Why | Paper | GitHub |")
    out.append("|---:|---|---|---|---:|---|---|---|---|")
    reasons = {r.name: r.fit_reason for r in answer.ranking}
    for ref in answer.references:
        out.append(
            f"| {ref.rank} | {_cell(ref.name)} | {_cell(ref.kind)} | {_cell(ref.role)} | {ref.score:.2f} "
            f"| {_cell(ref.fit)} | {_cell(reasons.get(ref.name, ''))} | {_table_cell(_link(ref.paper_url))} "
            f"| {_table_cell(_link(ref.github_url))} |"
        )
    out.append("")
    out.append("*Only the models and papers provided with the question are used; links are shown as given.*")
    return "\n".join(out) + "\n"


def _ranked(r: RankedItem, rank: int) -> dict[str, Any]:
    return {
        "rank": rank,
        "name": r.name,
        "kind": r.kind,
        "role": r.role,
        "key": r.key,
        "score": r.score,
        "components": dict(r.components),
        "fit": r.fit,
        "fit_reason": r.fit_reason,
        "paper_url": r.paper_url,
        "github_url": r.github_url,
        "evidence": list(r.evidence),
        "item_tasks": list(r.item_tasks),
    }


def to_dict(answer: Answer) -> dict[str, Any]:
    """The answer as plain JSON-able data (values of any JSON type); `markdown` holds the rendered text."""
    wf = answer.workflow
    return {
        "question": answer.question,
        "task": asdict(answer.task),
        "intent": answer.intent,
        "intents": list(answer.intents),
        "ranking": [_ranked(r, i + 1) for i, r in enumerate(answer.ranking)],
        "workflow": {
            "flow": wf.flow,
            "steps": [asdict(s) for s in wf.steps],
            "supporting": [asdict(s) for s in wf.supporting],
            "set_aside": [asdict(s) for s in wf.set_aside],
            "notes": list(wf.notes),
        },
        "subquestions": [asdict(s) for s in answer.subquestions],
        "references": [asdict(r) for r in answer.references],
        "notes": list(answer.notes),
        "source": answer.source,
        "markdown": to_markdown(answer),
    }
