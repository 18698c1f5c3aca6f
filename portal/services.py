"""Writes for the site as a whole."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from wagtail.models import Site


def site_address_set(*, base_url: str | None = None) -> Site | None:
    """Give the default Wagtail Site the host and port of the portal's public address.

    Sitemaps, feeds and e-mails build absolute links from the Site, so it must name the
    address people use (``XINYU_BASE_URL``), not ``localhost``. Returns the site, or None
    when there is none yet.
    """
    base_url = base_url or settings.WAGTAILADMIN_BASE_URL
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"公开地址“{base_url}”无效：应形如 https://xinyu.example.cn")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return None
    if (site.hostname, site.port) != (parts.hostname, port):
        site.hostname, site.port = parts.hostname, port
        site.save(update_fields=["hostname", "port"])
    return site
