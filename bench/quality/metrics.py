"""nDCG@10, Recall@100 and MRR@10 of ranked runs, computed by pytrec_eval (trec_eval)."""

import pytrec_eval

Run = dict[str, list[str]]  # query id -> document ids, best first
METRICS = ("ndcg@10", "recall@100", "mrr@10")


def evaluate_run(qrels: dict[str, dict[str, int]], run: Run) -> dict[str, float]:
    """Average the three metrics over every judged query; a query with no results scores 0."""
    per_query = _measure(qrels, run, ("ndcg_cut.10", "recall.100"))
    # trec_eval's reciprocal rank has no cutoff: cutting the run at 10 makes it MRR@10.
    cut = {query: ranked[:10] for query, ranked in run.items()}
    reciprocal = _measure(qrels, cut, ("recip_rank",))
    totals = dict.fromkeys(METRICS, 0.0)
    for query in qrels:
        scores = per_query.get(query, {})
        totals["ndcg@10"] += scores.get("ndcg_cut_10", 0.0)
        totals["recall@100"] += scores.get("recall_100", 0.0)
        totals["mrr@10"] += reciprocal.get(query, {}).get("recip_rank", 0.0)
    return {name: total / max(len(qrels), 1) for name, total in totals.items()}


def _measure(
    qrels: dict[str, dict[str, int]], run: Run, measures: tuple[str, ...]
) -> dict[str, dict[str, float]]:
    """Score each query that has results (trec_eval skips the others)."""
    # trec_eval orders by score, so the rank becomes a descending score; a duplicate keeps
    # its first, best rank.
    scored = {
        query: {doc: float(len(ranked) - rank) for rank, doc in reversed(list(enumerate(ranked)))}
        for query, ranked in run.items()
        if query in qrels and ranked
    }
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, set(measures))
    return evaluator.evaluate(scored)
