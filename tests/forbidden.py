"""The shared check of a back-office 403 page (schools.viewsets.forbidden_response)."""

from schools.models import AccessLog


def logged_forbidden(client, url, *, user) -> AccessLog:
    """GET ``url`` as the signed-in ``user``: a no-store 403 back-office page and exactly one
    denial line, which is returned for the caller's own checks."""
    before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get(url)
    assert response.status_code == 403, url
    assert "no-store" in response["Cache-Control"], url
    assert "本次访问已记入访问日志" in response.content.decode(), url
    [line] = AccessLog.objects.filter(pk__gt=before)
    assert (line.user, line.allowed) == (user, False), url
    return line
