"""Elasticsearch index settings (no Django imports: ``portal/settings/base.py`` reads it).

Segmented fields are split on whitespace only (jieba already did the work); the raw text
gets the built-in ``cjk`` analyzer (overlapping bigrams), which also catches words the
dictionary does not know. ``default`` makes Wagtail's catch-all ``_all_text`` field
behave like a segmented field.
"""

SEGMENTED_ANALYZER = "xinyu_segmented"
CJK_ANALYZER = "xinyu_cjk"

INDEX_SETTINGS = {
    "settings": {
        "analysis": {
            "analyzer": {
                SEGMENTED_ANALYZER: {
                    "type": "custom",
                    "tokenizer": "whitespace",
                    "filter": ["lowercase"],
                },
                CJK_ANALYZER: {"type": "cjk"},
                "default": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]},
            }
        }
    }
}
