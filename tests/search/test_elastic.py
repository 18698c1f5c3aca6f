"""Elasticsearch path: request bodies (always) and a real-server round trip (when
ELASTICSEARCH_URL is set)."""

import os

import pytest

from search.elastic import EntryFacetedSearch
from search.es_settings import CJK_ANALYZER, INDEX_SETTINGS, SEGMENTED_ANALYZER
from search.models import SearchEntry


def _body(**kwargs):
    kwargs.setdefault("index", "xinyu_search_searchentry")
    return EntryFacetedSearch(**kwargs).build_search().to_dict()


def test_and_query_needs_every_word_and_boosts_raw_text():
    body = _body(words=["厌学", "父母"], raw_query="孩子厌學", allowed=[7])
    query = body["query"]["bool"]
    words = query["must"][0]["bool"]["must"]
    assert words == [
        {"multi_match": {"query": "厌学", "fields": ["title^3", "body"]}},
        {"multi_match": {"query": "父母", "fields": ["title^3", "body"]}},
    ]
    # The raw query (Traditional converted) against the cjk-analysed raw text.
    assert query["should"] == [{"match": {"raw_text": {"query": "孩子厌学", "boost": 0.5}}}]
    # Restricted files only where the download rule allowed them (ids passed in).
    assert query["filter"] == [
        {
            "bool": {
                "should": [
                    {"term": {"restricted_filter": False}},
                    {"terms": {"id_filter": [7]}},
                ]
            }
        }
    ]
    assert body["_source"] is False


def test_or_query_and_anonymous_filter():
    body = _body(words=["留守儿童", "早恋"], operator="or", allowed=[])
    query = body["query"]["bool"]
    assert query["must"][0] == {
        "multi_match": {
            "query": "留守儿童 早恋",
            "fields": ["title^3", "body"],
            "operator": "or",
            "type": "most_fields",
        }
    }
    assert query["filter"] == [{"term": {"restricted_filter": False}}]


def test_facets_are_aggregations_and_selected_values_post_filter():
    body = _body(words=["厌学"], filters={"kind": "page", "stage": "primary"}, allowed=[7])
    aggs = body["aggs"]
    assert set(aggs) == {"_filter_kind", "_filter_stage", "_filter_topic"}
    # A facet is counted with the other facets' filters applied, not its own.
    assert aggs["_filter_kind"]["filter"] == {"terms": {"stage_values_filter": ["primary"]}}
    assert aggs["_filter_stage"]["filter"] == {"terms": {"kind_filter": ["page"]}}
    assert aggs["_filter_stage"]["aggs"]["stage"] == {
        "terms": {"field": "stage_values_filter", "size": 10}
    }
    assert body["post_filter"] == {
        "bool": {
            "must": [
                {"terms": {"kind_filter": ["page"]}},
                {"terms": {"stage_values_filter": ["primary"]}},
            ]
        }
    }


def test_index_settings_and_field_analyzers():
    analyzers = INDEX_SETTINGS["settings"]["analysis"]["analyzer"]
    assert analyzers[SEGMENTED_ANALYZER]["tokenizer"] == "whitespace"
    assert analyzers[CJK_ANALYZER] == {"type": "cjk"}
    from modelsearch.backends.elasticsearch8 import Elasticsearch8Mapping

    mapping = Elasticsearch8Mapping(SearchEntry).get_mapping()["properties"]
    assert mapping["title"]["analyzer"] == SEGMENTED_ANALYZER
    assert mapping["body"]["analyzer"] == SEGMENTED_ANALYZER
    assert mapping["raw_text"]["analyzer"] == CJK_ANALYZER
    assert mapping["stage_values_filter"]["type"] == "keyword"


def test_settings_switch_to_elasticsearch(monkeypatch):
    import importlib

    import portal.settings.base as base

    monkeypatch.setenv("ELASTICSEARCH_URL", "http://es.example:9200")
    try:
        reloaded = importlib.reload(base)
        backend = reloaded.WAGTAILSEARCH_BACKENDS["default"]
        assert backend["BACKEND"] == "wagtail.search.backends.elasticsearch8"
        assert backend["URLS"] == ["http://es.example:9200"]
        assert backend["INDEX_SETTINGS"] is INDEX_SETTINGS
    finally:
        monkeypatch.delenv("ELASTICSEARCH_URL")
        importlib.reload(base)


ES_URL = os.environ.get("ELASTICSEARCH_URL", "")


@pytest.mark.skipif(
    not ES_URL,
    reason="ELASTICSEARCH_URL is not set: this test needs a running Elasticsearch 8 server "
    "(e.g. ELASTICSEARCH_URL=http://127.0.0.1:9200).",
)
def test_elasticsearch_round_trip(client, home, settings):
    from django.core.management import call_command

    from search.services import entries_rebuild

    from .factories import publish_page

    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [ES_URL],
            "INDEX_PREFIX": "xinyu_test_",
            "INDEX_SETTINGS": INDEX_SETTINGS,
        }
    }
    publish_page(home, title="读懂厌学背后的信号", paragraphs=["孩子说不想上学，家长先倾听。"])
    publish_page(home, title="校园欺凌的应对", paragraphs=["孩子被同学欺负时要及时告诉老师。"])
    entries_rebuild()
    call_command("update_index", stdout=open(os.devnull, "w"))
    data = client.get("/search/", {"q": "孩子不想上學怎麼辦", "format": "json"}).json()
    assert data["results"][0]["title"] == "读懂厌学背后的信号"
    assert {f["value"] for f in data["facets"]["kind"]} == {"page"}
    data = client.get("/search/", {"q": "霸凌", "format": "json"}).json()
    assert [r["title"] for r in data["results"]] == ["校园欺凌的应对"]


def test_long_and_queries_need_all_but_one_word():
    body = _body(words=["留守儿童", "父母", "务工"], allowed=[7])
    must = body["query"]["bool"]["must"][0]["bool"]
    assert must["minimum_should_match"] == 2
    assert [c["multi_match"]["query"] for c in must["should"]] == ["留守儿童", "父母", "务工"]
