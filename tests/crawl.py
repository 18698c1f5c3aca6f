"""A breadth-first crawler over the portal, for the crawl test (tests/portal/test_crawl.py).

It follows every same-site link of each HTML page it fetches, skipping logout and links that
change state, and visits each *kind* of page a bounded number of times: ids are folded
(``/admin/schools/12/edit/`` and ``/admin/schools/13/edit/`` are one kind), and so are query
strings that only differ in their values (``?page=2`` and ``?page=3``). Every page it
fetches is checked; the problems come back as readable lines.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urldefrag, urlsplit

from bs4 import BeautifulSoup

# Links a crawler must not follow: they log out, change data, or fetch files that count
# downloads. Wagtail's GET on most of these is a confirmation page, but the crawl stays on
# the safe side.
SKIP = re.compile(
    r"logout|/delete/|/unpublish/|/lock/|/unlock/|/copy/|/move/|/revert|/convert_alias/"
    r"|/workflow/|/disable/|/enable/|/cancel/|/approve/|/reject/|/dismiss|/register/"
    r"|^/documents/|^/media/|^/static/|/preview/|/usage/"
)
PRIVATE_PREFIXES = ("/admin/", "/me/")
DEBRIS = ("Block Node", "Variable Node", "{{", "{%")
# Latin words allowed on the public site and the learner area: file types, units, the
# e-mail and web addresses in contacts, and proper nouns of the demo content.
ENGLISH_ALLOWED = {
    "DOCX",
    "DOC",
    "PDF",
    "PPTX",
    "PPT",
    "XLSX",
    "XLS",
    "ZIP",
    "MP4",
    "PNG",
    "JPG",
    "JPEG",
    "ics",
    "ICS",
    "KB",
    "MB",
    "GB",
    "bytes",
    "QQ",
    "App",
    "PTSD",
    "ABC",
    "SCL",
    "MHT",
    "PHQ",
    "GAD",
    "RSS",
    "SDQ",
    # Product names in download labels (教案（Word）, 课件（PowerPoint）).
    "Word",
    "PowerPoint",
    "Excel",
}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")


def _certificate_code():
    from courses.training.services import CODE_ALPHABET

    return re.compile(rf"(?<![A-Za-z0-9])[{CODE_ALPHABET}]{{10}}(?![A-Za-z0-9])")


# Training certificates' verification codes (data, not UI text: e.g. "证书编号 EUHJSAEN2K").
CERTIFICATE_CODE = _certificate_code()
ADDRESS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|\S+\.(?:cn|com|org|net)\b")


def url_kind(url: str) -> str:
    """The kind of page a URL shows: ids folded, query values dropped.

    In the back office and the learner area a path's words name its view, so only numbers
    fold. In the public page tree every segment after the section is a slug: a kind is the
    section and the depth (``/curricula/<s>/<s>/`` is a lesson); the crawl test starts from
    one page of every page type as well, so no type is missed by the folding.
    """
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<n>", parts.path)
    path = re.sub(r"\d{4}-\d{2}-\d{2}", "<date>", path)
    if not path.startswith(PRIVATE_PREFIXES):
        segments = [s for s in path.split("/") if s]
        path = "/" + "/".join(segments[:1] + ["<s>"] * len(segments[1:])) + "/" * bool(segments)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def english_words(html: str) -> list[str]:
    """Latin words a reader sees (text and labels), outside the allow-list and addresses."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "template", "code", "pre", "svg"]):
        tag.decompose()
    texts = list(soup.stripped_strings)
    for tag in soup.find_all(True):
        for attr in ("placeholder", "title", "aria-label", "alt", "value"):
            value = tag.get(attr)
            if isinstance(value, str) and not (attr == "value" and tag.name != "button"):
                texts.append(value)
    words = []
    for text in texts:
        text = CERTIFICATE_CODE.sub(" ", ADDRESS.sub(" ", text))
        words += [w for w in LATIN_WORD.findall(text) if w not in ENGLISH_ALLOWED]
    return words


@dataclass
class CrawlResult:
    visited: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def crawl(
    client,
    starts: list[str],
    *,
    max_pages: int = 300,
    per_kind: int = 1,
    check_english=lambda path: False,
) -> CrawlResult:
    """Fetch pages breadth-first from ``starts`` with a Django test client.

    ``check_english(path)`` says which paths must carry no English UI strings.
    """
    result = CrawlResult()
    seen_urls: set[str] = set()
    kind_count: dict[str, int] = {}
    queue = deque()

    def enqueue(url: str, source: str) -> None:
        url = urldefrag(url)[0]
        parts = urlsplit(url)
        if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
            return
        path = parts.path or "/"
        if not path.startswith("/") or SKIP.search(path):
            return
        local = path + (f"?{parts.query}" if parts.query else "")
        if local in seen_urls:
            return
        kind = url_kind(local)
        if kind_count.get(kind, 0) >= per_kind:
            return
        seen_urls.add(local)
        kind_count[kind] = kind_count.get(kind, 0) + 1
        queue.append((local, source))

    for start in starts:
        enqueue(start, "(start)")
    while queue and len(result.visited) < max_pages:
        url, source = queue.popleft()
        response = client.get(url)
        result.visited.append(url)
        result.kinds.add(url_kind(url))
        where = f"{url} (linked from {source})"
        if response.status_code >= 500:
            result.problems.append(f"{response.status_code} at {where}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            enqueue(response["Location"], url)
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode("utf-8", "replace")
        visible = _without_scripts(html)
        for debris in DEBRIS:
            if debris in visible:
                result.problems.append(f"template debris {debris!r} at {where}")
        soup = BeautifulSoup(html, "html.parser")
        for form in soup.find_all("form"):
            # Wagtail's editing-sessions ping sends the token in a header from its script.
            if "w-editing-sessions" in (form.get("class") or []):
                continue
            if (form.get("method") or "get").lower() == "post" and not form.find(
                "input", attrs={"name": "csrfmiddlewaretoken"}
            ):
                result.problems.append(
                    f"POST form without CSRF token (action {form.get('action')!r}) at {where}"
                )
        if response.status_code == 200 and check_english(urlsplit(url).path):
            words = english_words(html)
            if words:
                result.problems.append(f"English {sorted(set(words))[:8]} at {where}")
        # The back office's sidebar menu is JSON for its JavaScript: follow its links too.
        for script in soup.find_all("script", attrs={"type": "application/json"}):
            for href in MENU_URL.findall(script.string or ""):
                enqueue(href.replace("\\/", "/"), url)
        for link in soup.find_all("a", href=True):
            href = link["href"]
            if href.startswith(("mailto:", "tel:", "javascript:", "#")):
                continue
            if not href.startswith(("/", "http")):
                href = urlsplit(url).path.rsplit("/", 1)[0] + "/" + href
            enqueue(href, url)
    return result


MENU_URL = re.compile(r'"url":\s*"(/(?:admin|me)/[^"]*)"')
_SCRIPT = re.compile(r"<(script|template)\b.*?</\1>", re.S | re.I)


def _without_scripts(html: str) -> str:
    """Page text outside <script>/<template>: JavaScript may legitimately hold braces."""
    return _SCRIPT.sub("", html)
