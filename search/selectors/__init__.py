"""Reads of the search app: run a site search for a user.

``search_run`` is the one entry point for the HTML page and the JSON API. It works the
same on the database backend (SQLite FTS5 / PostgreSQL) and on Elasticsearch
(``search/elastic.py``); only the matching and the facet counting differ.

``run``: the fallback ladder and ``search_run``; ``engine``: matching and ranking on the
database backend; ``visibility``: which entries a user may find; ``outcome``: what a search
returns and how hits are highlighted; ``suggestions``: promotions, popular searches, topics
and the crisis help box. Callers import from ``search.selectors``. (``Outcome``, ``Hit``
and ``FacetValue`` stay importable here too: anonymous results are pickled into the cache.)

Query budget (database backend): a fixed number of queries whatever the number of
results shown — count, one page of rows (pages and documents joined in), one aggregate
per facet, promotions, popular searches — see ``tests/search/test_search.py``.
"""

from .engine import (  # noqa: F401
    CRISIS_KIND_ORDER,
    FACET_READ_CHUNK,
    FACETS,
    MIN_RESULTS,
    DatabaseEngine,
    Found,
    Step,
    entries_total,
    folded,
)
from .outcome import (  # noqa: F401
    MAX_PAGE,
    MAX_TOPICS,
    PER_PAGE,
    SNIPPET_CHARS,
    FacetValue,
    Hit,
    Outcome,
    highlight,
    normalise_spaces,
    snippet,
)
from .run import (  # noqa: F401
    EXTENDED_NOTE,
    STEP_NOTES,
    ladder,
    search_arguments,
    search_run,
)
from .suggestions import (  # noqa: F401
    crisis_help,
    guide_links,
    popular_queries,
    suggested_topics,
)
from .visibility import (  # noqa: F401
    entries_visible_to,
    is_teacher,
    restricted_entry_ids_for,
)
