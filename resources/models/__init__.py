"""The portal's own Document and Image models, and the resource-library pages.

``documents``: ``XinyuDocument`` (the library's metadata: resource type, stages, audience,
download counter, policy kind and owning school, R-5), ``XinyuImage`` and its renditions;
``library``: the resource library (R-6); ``guides``: parent guides (R-3); ``notices``:
notices and publicity with their generated posters (R-4); ``policies``: the policy
library (R-5). Django and callers import them from ``resources.models``.
"""

from .documents import (  # noqa: F401
    TEACHERS_ONLY_AUDIENCES,
    XinyuDocument,
    XinyuImage,
    XinyuRendition,
)
from .guides import (  # noqa: F401
    ParentGuideIndexPage,
    ParentGuidePage,
    ParentGuidePageTag,
)
from .library import ResourceIndexPage  # noqa: F401
from .notices import NoticeIndexPage, NoticePage  # noqa: F401
from .policies import PolicyIndexPage, PolicyPage  # noqa: F401
