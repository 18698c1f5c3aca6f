"""Relevance on the real demo content: parents' and teachers' words, not titles."""

from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from search.selectors import search_run
from tests.search.relevance_set import DEMO_CASES, hit_at_k

# The bar of issue 5. Measured: 50 of 52 (0.96); the misses are listed on failure so the
# dictionary, synonyms and ranking can be tuned — never the demo content.
DEMO_HIT_AT_3 = 0.9


def test_relevance_on_demo(db):
    call_command("load_demo", verbosity=0)
    assert len(DEMO_CASES) >= 30

    def titles(query):
        return [hit.plain_title for hit in search_run(query=query, user=AnonymousUser()).hits]

    score, misses = hit_at_k(DEMO_CASES, titles, k=3)
    report = "\n".join(f"  {q!r}: expected {e!r}, got {t!r}" for q, e, t in misses)
    assert score >= DEMO_HIT_AT_3, f"hit@3 = {score:.2f} < {DEMO_HIT_AT_3}; misses:\n{report}"
