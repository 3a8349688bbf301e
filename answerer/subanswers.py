"""Each sub-question of a question, with the summary sentences that address it."""

from __future__ import annotations

import numpy as np

from answerer import embedcache
from answerer.evidence import SentenceFeatures, intent_boost
from answerer.rank import RankContext, RankedItem
from answerer.taxonomy import (
    Taxonomy,
    intent_of,
    with_article as _a,
    zoo_parts,
)
from answerer.answer import Evidence, SubAnswer
from indexer.embedder import Embedder
from answerer.workflow import as_sentence


#: What a sentence that answers a given kind of sub-question talks about. Its
#: similarity to the candidate sentence is an "aspect" signal next to the
#: sub-question's own words, which are dominated by the topic ("realistic blur"):
#: a "what training data?" question wants sentences about data, not about blur.
ASPECT_PROBES = {
    "training_data": "The model is trained on a large dataset of paired training images, "
                     "collected from real captures or synthesized, with ground truth for each example.",
    "architecture": "The network architecture is an encoder-decoder, a U-Net, a convolutional network, "
                    "a transformer or a diffusion model with attention layers and multi-scale modules.",
    "compare": "Compared with earlier methods, this approach is faster, more accurate and behaves differently.",
    "choose": "The proposed model achieves state-of-the-art results and runs fast in practice.",
}


def answer_subquestions(
    ranking: list[RankedItem],
    ctx: RankContext,
    embedder: Embedder,
    question: str,
    tax: Taxonomy,
) -> list[SubAnswer]:
    subqs: list[str] = ctx.subquestions
    intents = [intent_of(q) for q in subqs]
    probes = {i: ASPECT_PROBES[i] for i in dict.fromkeys(intents) if i in ASPECT_PROBES}
    flat = [s for sents in ctx.sentences for s in sents]
    aspect: dict[str, np.ndarray] = {}
    if probes and flat:
        vecs = embedcache.encode(embedder, [*probes.values(), *flat])
        for n, name in enumerate(probes):
            aspect[name] = vecs[len(probes):] @ vecs[n]
    feats = SentenceFeatures(flat, tax)
    out: list[SubAnswer] = []
    used: set[str] = set()
    for j, sq in enumerate(subqs):
        intent = intents[j]
        lex = feats.lexical(sq)
        cands: list[tuple[float, str, str]] = []
        offset = 0
        for k, r in enumerate(ranking):
            sents = ctx.sentences[k]
            sub = ctx.sentence_sub[k][j] if len(ctx.sentence_sub[k]) > j else ctx.sentence_q[k]
            full = ctx.sentence_q[k]
            for i, s in enumerate(sents):
                score = 0.45 * float(sub[i]) + 0.15 * float(full[i])
                if intent in aspect:
                    score += 0.4 * float(aspect[intent][offset + i])
                else:
                    score += 0.4 * float(sub[i])
                # what the sentence says, not only what it sounds like: the
                # sub-question's specific words, the aspect asked about, no
                # generic problem statement
                score += 0.35 * lex[offset + i] * min(1.0, max(0.0, float(sub[i])) / 0.5)  # shared words count where the meaning is close too
                score += intent_boost(feats.intent_hits(intent, s))
                score += feats.prior(s, intent)
                score *= 0.7 + 0.3 * r.score  # sentences from items that fit weigh more
                if r.fit == "poor":
                    score *= 0.75  # an item set aside should not lead an answer
                if s in used:
                    score -= 0.08  # prefer new evidence for each sub-question
                cands.append((score, s, r.name))
            offset += len(sents)
        cands.sort(key=lambda c: -c[0])
        chosen: list[Evidence] = []
        per_item: dict[str, int] = {}
        for score, s, name in cands:
            if chosen and (score < 0.8 * chosen[0].score or score < 0.15):
                break
            if per_item.get(name, 0) >= 2:
                continue
            per_item[name] = per_item.get(name, 0) + 1
            chosen.append(Evidence(sentence=s, item=name, score=round(score, 4)))
            if len(chosen) >= 3:
                break
        used.update(e.sentence for e in chosen)
        notes = []
        if intent in ("architecture", "choose", "training_data"):
            for r in ranking:
                if r.kind != "model" or r.fit == "poor":
                    continue
                _prefix, arch, variant = zoo_parts(r.record, tax)
                entry = tax.lookup(arch) if arch else None
                v_entry = tax.lookup(variant) if variant else None
                if intent == "training_data" and v_entry is not None and v_entry.kind == "dataset":
                    notes.append(
                        f"{r.name}: its variant name points to the {v_entry.name} dataset \u2014 "
                        f"{as_sentence(v_entry.summary)}"
                    )
                elif intent in ("architecture", "choose") and entry is not None and entry.kind != "dataset":
                    notes.append(f"{r.name}: {_a(entry.name)} model \u2014 {as_sentence(entry.summary)}")
        out.append(SubAnswer(question=sq, intent=intent, evidence=chosen, notes=notes))
    return out
