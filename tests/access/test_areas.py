"""Every back-office area is one ``AreaViewSet``: its routes carry capabilities, its menu asks
the same capability as the page it links to."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import path, reverse
from wagtail import hooks

from schools import access
from schools.backoffice import AreaViewSet, MenuLink, capability_view, view_capability

AREAS = {
    "screening",
    "duty_admin",
    "oversight",
    "training_admin",
    "lessons_admin",
    "notifications_admin",
    "exports_admin",
}


def _areas():
    found = []
    for fn in hooks.get_hooks("register_admin_viewset"):
        result = fn()
        for vs in result if isinstance(result, list | tuple) else [result]:
            if isinstance(vs, AreaViewSet):
                found.append(vs)
    return found


def test_each_area_is_one_viewset():
    assert {a.name for a in _areas()} == AREAS


@pytest.mark.parametrize("area", _areas(), ids=lambda a: a.name)
def test_every_route_of_an_area_carries_a_known_capability(area):
    for pattern in area.get_urlpatterns():
        cap = view_capability(pattern.callback)
        assert cap, pattern.name
        access.capability(cap)  # raises for a name outside the table
        assert reverse(area.get_url_name(pattern.name), kwargs=_kwargs(pattern)).startswith(
            f"/admin/{area.url_prefix}/"
        )


@pytest.mark.parametrize("area", _areas(), ids=lambda a: a.name)
def test_menu_links_ask_the_capability_of_the_route_they_open(area):
    items = area.menu_items()
    assert len(items) == len(area.menu_links)
    for link, item in zip(area.menu_links, items, strict=True):
        if link.route:
            assert item.capability == area.route_capability(link.route)
            assert item.url == reverse(area.get_url_name(link.route))
        else:
            assert item.capability == link.capability


def _kwargs(pattern):
    return {
        name: 1 if "pk" in name or name.endswith("_id") else "x"
        for name in pattern.pattern.converters
    }


def test_a_route_without_capability_fails_at_start_up():
    def bare(request):  # pragma: no cover - never routed
        raise AssertionError

    class Broken(AreaViewSet):
        name = "broken"
        routes = [path("x/", bare, name="x")]

    with pytest.raises(ImproperlyConfigured, match="no capability"):
        Broken().get_urlpatterns()


def test_a_menu_link_to_an_unknown_route_fails():
    view = capability_view("screening.warning.read")(lambda request: None)

    class Area(AreaViewSet):
        name = "screening"
        routes = [path("warnings/", view, name="warnings")]
        menu_links = (MenuLink("无此页", route="nowhere"),)

    with pytest.raises(ImproperlyConfigured, match="nowhere"):
        Area().menu_items()
