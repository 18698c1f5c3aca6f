"""RSS feed of the newest notices under one NoticeIndexPage."""

import datetime

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed


class NoticeFeed(Feed):
    feed_type = Rss201rev2Feed

    def __init__(self, *, index):
        super().__init__()
        self.index = index

    def get_object(self, request, *args, **kwargs):
        self.request = request
        return self.index

    def title(self, obj):
        return obj.title

    def link(self, obj):
        return obj.get_url(request=self.request) or "/"

    def description(self, obj):
        return obj.intro or obj.title

    def items(self, obj):
        from .selectors import notices_list

        return notices_list(index=obj)[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_url(request=self.request)

    def item_pubdate(self, item):
        return timezone.make_aware(datetime.datetime.combine(item.date, datetime.time(8, 0)))
