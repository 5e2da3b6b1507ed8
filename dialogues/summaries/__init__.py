"""Summaries: the public account of held meetings, and what follows from them.

The room of the dialogues app for minutes' public side: summaries and their insights (the
county's register of opportunities and obstacles), Swedish full-text search, alerts, the Atom
feed and the open-data exports. Its models live in `dialogues.models` (a summary belongs to one
meeting), everything else here: services, views, forms, admin, search, feed, demo data and the
Mina sidor section for alerts.
"""
