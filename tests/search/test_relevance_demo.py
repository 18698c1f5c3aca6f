"""Search on the real demo content (loaded once: it takes minutes): relevance of parents'
and teachers' words, and restricted files listed exactly to those who may open them."""

from django.contrib.auth.models import AnonymousUser

from resources.models import XinyuDocument
from resources.selectors import document_may_download
from schools.vocab import Role
from search.selectors import search_run
from tests.factories import make_member
from tests.search.relevance_set import DEMO_CASES, ZERO_RESULT_REASONS, hit_at_k

# The bar of issues 5 and 16. The misses are listed on failure so the dictionary,
# synonyms and ranking can be tuned — never the demo content or single queries.
DEMO_HIT_AT_3 = 0.9


def test_search_on_demo(demo_city):
    _relevance()
    _restricted_documents()


def _relevance():
    assert len(DEMO_CASES) >= 90
    empty = []

    def titles(query):
        outcome = search_run(query=query, user=AnonymousUser())
        if not outcome.total:
            empty.append(query)
        return [hit.plain_title for hit in outcome.hits]

    score, misses = hit_at_k(DEMO_CASES, titles, k=3)
    report = "\n".join(f"  {q!r}: expected {e!r}, got {t!r}" for q, e, t in misses)
    assert score >= DEMO_HIT_AT_3, f"hit@3 = {score:.2f} < {DEMO_HIT_AT_3}; misses:\n{report}"
    assert not [q for q in empty if not ZERO_RESULT_REASONS.get(q)], empty


def _restricted_documents():
    """Issue 12 (4): for every file of the demo that an anonymous visitor may not open,
    searching its title never shows it to an anonymous visitor or to a teacher of another
    school, and shows it to a user of the owning school who may open it."""
    restricted = [
        d
        for d in XinyuDocument.objects.select_related("collection")
        if document_may_download(document=d, user=AnonymousUser()) is not True
    ]
    assert restricted, "the demo has restricted files"
    schools = {d.school for d in restricted if d.school_id}
    assert schools
    teachers = {school.pk: make_member(Role.PSYCH_TEACHER, school=school) for school in schools}
    some_teacher = next(iter(teachers.values()))
    for document in restricted:
        other = next(
            (t for pk, t in teachers.items() if pk != document.school_id), None
        ) or make_member(Role.TEACHER)
        owner = teachers.get(document.school_id, some_teacher)
        for user, label in ((AnonymousUser(), "anonymous"), (other, "other school")):
            may = document_may_download(document=document, user=user) is True
            seen = _found(document, user)
            assert seen == may, f"{document.title!r} for {label}: listed={seen}, may={may}"
        assert document_may_download(document=document, user=owner) is True
        assert _found(document, owner), f"{document.title!r} hidden from its own school"


def _found(document, user) -> bool:
    for page in (1, 2, 3):
        outcome = search_run(query=document.title, user=user, page=page)
        if any(h.url == document.url for h in outcome.hits):
            return True
        if page >= outcome.num_pages:
            return False
    return False
