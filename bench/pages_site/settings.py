"""The production settings plus one bare view, for bench/pages.py only."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.pages_site.urls"
