"""Atom feed of published summaries, filtered like the list (kommun, tema, serie, ar, q)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .forms import SummaryFilterForm
from .models import Summary
from .services import markdown_render
from .views import summaries_for

FEED_SIZE = 30


class SummaryFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest) -> dict:
        form = SummaryFilterForm(request.GET or None)
        return {"filters": form.filters() if request.GET else {}, "query": request.GET.urlencode()}

    def title(self, obj: dict) -> str:
        return _("Summaries of dialogue meetings")

    def subtitle(self, obj: dict) -> str:
        return _("Published summaries from Region Stockholm's dialogue meetings on culture.")

    def author_name(self, obj: dict) -> str:
        # Atom requires an author (RFC 4287, 4.1.1): the administration publishes them all.
        return _("Region Stockholm, Culture administration (kulturförvaltningen)")

    def link(self, obj: dict) -> str:
        url = reverse("dialogues:summary_list")
        return f"{url}?{obj['query']}" if obj["query"] else url

    def items(self, obj: dict):
        return summaries_for(obj["filters"])[:FEED_SIZE]

    def item_title(self, item: Summary) -> str:
        return item.title

    def item_description(self, item: Summary) -> str:
        return markdown_render(item.text)

    def item_pubdate(self, item: Summary):
        return item.published_at

    def item_updateddate(self, item: Summary):
        return item.updated_at

    def item_categories(self, item: Summary):
        return [theme.display_name(get_language()) for theme in item.themes.all()]
