"""Evidence-sentence features: lexical overlap, aspect cues, generic-sentence penalties."""

from __future__ import annotations

from answerer.evidence import SentenceFeatures, content_stems, intent_boost
from answerer.taxonomy import load_taxonomy

SENTENCES = [
    "Image restoration in real-world scenarios presents significant challenges due to the lack of datasets.",
    "The result is a large-scale dataset of one million high-quality images.",
    "Our second contribution is a DiT-based image restoration model.",
    "Multi-scale resolution training has seen an increased adoption across multiple vision tasks.",
    "Comprehensive experiments demonstrate that our method achieves state-of-the-art performance.",
    "Code is at https://example.org/x.",
]


def test_content_stems_drop_question_framing_and_merge_dataset_with_data():
    stems = content_stems("What kind of training data is popular today for AI datasets?")
    assert "kind" not in stems and "popular" not in stems and "ai" not in stems
    assert "train" in stems and stems.count("data") == 2


def test_lexical_overlap_is_idf_weighted_share_of_question_words():
    f = SentenceFeatures(SENTENCES, load_taxonomy())
    lex = f.lexical("What training data gives high-quality images?")
    assert all(0.0 <= x <= 1.0 for x in lex)
    assert lex[1] == max(lex)  # "dataset ... high-quality images"
    assert f.lexical("what kind?") == [0.0] * len(SENTENCES)


def test_aspect_cues_come_from_words_and_the_glossary():
    f = SentenceFeatures(SENTENCES, load_taxonomy())
    assert f.intent_hits("training_data", SENTENCES[1]) >= 1
    assert f.intent_hits("architecture", SENTENCES[2]) >= 1  # DiT is a glossary architecture
    assert f.intent_hits("architecture", SENTENCES[1]) == 0
    assert f.intent_hits("explain", SENTENCES[2]) == 0
    assert intent_boost(0) == 0.0 < intent_boost(1) < intent_boost(2) <= intent_boost(5)


def test_generic_statements_result_claims_and_links_are_penalized():
    f = SentenceFeatures(SENTENCES, load_taxonomy())
    assert f.prior(SENTENCES[1]) == 0.0
    assert f.prior(SENTENCES[0]) < 0  # problem statement
    assert f.prior(SENTENCES[3]) < 0  # "has seen an increased adoption"
    assert f.prior(SENTENCES[4], "training_data") < f.prior(SENTENCES[4], "compare") == 0.0
    assert f.prior(SENTENCES[5]) < 0  # tiny and a link
