"""Summaries: the public account of held meetings, and what follows from them.

The room of the dialogues app for minutes' public side: summaries and their insights (the
county's register of opportunities and obstacles), Swedish full-text search, alerts, the Atom
feed and the open-data exports: models (of the dialogues app: a summary belongs to one meeting,
and `dialogues.models` imports them), services, views, forms, admin, search, feed, demo data and
the Mina sidor section for alerts.
"""
