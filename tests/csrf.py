"""What a browser can send: the CSRF token of the forms a page rendered."""

import re
from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []  # [method, action, token or None]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append([(attrs.get("method") or "get").lower(), attrs.get("action"), None])
        elif tag == "input" and self.forms and attrs.get("name") == "csrfmiddlewaretoken":
            self.forms[-1][2] = attrs.get("value")


def post_forms(html: str) -> list[tuple[str | None, str | None]]:
    """``(action, token)`` of every ``method="post"`` form in ``html``."""
    parser = _Forms()
    parser.feed(html)
    return [(action, token) for method, action, token in parser.forms if method == "post"]


def form_token(response) -> str:
    """The token in the page's first POST form; fails the test when the form has none."""
    forms = post_forms(response.content.decode())
    assert forms, "the page renders no POST form"
    token = forms[0][1]
    assert token and re.fullmatch(r"[A-Za-z0-9]{32,64}", token), "the form has no CSRF token"
    return token


class _Hidden(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []  # [method, {name: value}]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append([(attrs.get("method") or "get").lower(), {}])
        elif tag == "input" and self.forms and attrs.get("type") == "hidden" and attrs.get("name"):
            self.forms[-1][1][attrs["name"]] = attrs.get("value") or ""


def hidden_fields(response) -> dict[str, str]:
    """The hidden inputs (CSRF token, one-time submit key …) of the page's first POST form."""
    parser = _Hidden()
    parser.feed(response.content.decode())
    posts = [fields for method, fields in parser.forms if method == "post"]
    assert posts, "the page renders no POST form"
    return posts[0]
