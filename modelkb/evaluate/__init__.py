"""Retrieval quality: `modelkb eval`.

Two evaluations, a module each:

- `modelkb.evaluate.beir`: BEIR-layout datasets (`corpus.jsonl`, `queries.jsonl`,
  `qrels/<split>.tsv`, read by `beir_data`), searched in each mode (lexical,
  dense, hybrid) over a throwaway catalog; nDCG@10, MRR@10 and Recall@100 by
  `ir_measures` (`metrics`: trec_eval semantics, linear gains, log2 discounts;
  a query with no results scores 0).
- `modelkb.evaluate.prompts`: labeled prompt files (`--prompts DIR --labels FILE`):
  answer-ranking quality, delegated to `answerer.evaluate.evaluate_labeled`.

Both fail with `EvalError` (`errors`), a `BadInput`. The names below are the
package's public API (`from modelkb.evaluate import evaluate_beir`).
"""

from modelkb.evaluate.beir import (
    DEPTH, MODES, BeirReport, ModeResult, evaluate_beir, format_beir, parse_modes,
)
from modelkb.evaluate.beir_data import BeirDataset, load_beir, read_qrels, read_queries
from modelkb.evaluate.errors import EvalError
from modelkb.evaluate.metrics import METRICS, compute_metrics, run_from_rankings
from modelkb.evaluate.prompts import evaluate_prompts, format_prompts

__all__ = [
    "DEPTH", "METRICS", "MODES", "BeirDataset", "BeirReport", "EvalError", "ModeResult", "compute_metrics",
    "evaluate_beir", "evaluate_prompts", "format_beir", "format_prompts", "load_beir", "parse_modes",
    "read_qrels", "read_queries", "run_from_rankings",
]
