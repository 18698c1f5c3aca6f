"""The filter every query passes before it may be counted or shown in "大家都在搜".

A popular list is a public channel: anyone can search, so anything typed can end up in it.
A query is refused when it holds a run of digits (phone, QQ or WeChat numbers), a web
address, a contact handle (vx, 微信, QQ, 加我 …), a crisis word (``dict/crisis.txt``: a
parent must not meet "自残" as a suggestion), or the name of a student or a staff member
(never stored at all).
"""

from __future__ import annotations

import re

from .segment import _compact, is_crisis, normalise

DIGIT_RUN = re.compile(r"\d{5,}")
URL = re.compile(
    r"(https?|www\.|://|\.(com|cn|net|org|top|xyz|vip|cc|me|io)\b|点com|点cn|dot\s*com)",
    re.IGNORECASE,
)
CONTACT = re.compile(
    r"(v\s*x|w\s*x|v信|微信|威信|薇信|q\s*q|扣扣|企鹅号|加v|加我|加群|私聊|私信|联系方式|"
    r"电话|手机号|tel|telegram|tg|@|＠|免费领取|领取|代写|兼职|返利|赚钱|客服)",
    re.IGNORECASE,
)
MAX_SHOWN_CHARS = 20


def person_names_in(text: str) -> bool:
    """Does ``text`` contain the full name of a student or a staff member? (2 queries)"""
    from accounts.models import User
    from schools.models import Student

    compact = _compact(text)
    pieces = {
        compact[i : i + size]
        for size in (2, 3, 4)
        for i in range(0, max(0, len(compact) - size + 1))
    }
    if not pieces:
        return False
    if Student.objects.filter(name__in=pieces).exists():
        return True
    return User.objects.filter(real_name__in=pieces).exists()


def query_blocked_reason(text: str, *, names: bool = True) -> str:
    """Why ``text`` may never be listed publicly ('' when it may, after an editor's
    approval): 数字串, 网址, 联系方式, 危机词, 人名, 过长."""
    plain = normalise(text)
    if not plain.strip():
        return "空"
    if names and person_names_in(plain):  # first: a query naming a person is never kept
        return "人名"
    if DIGIT_RUN.search(_compact(plain)):
        return "数字串"
    if URL.search(plain):
        return "网址"
    if CONTACT.search(plain):
        return "联系方式"
    if is_crisis(text):
        return "危机词"
    if len(_compact(plain)) > MAX_SHOWN_CHARS:
        return "过长"
    return ""
