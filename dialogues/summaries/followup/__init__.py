"""The follow-up on insights ("ni sa, vi gjorde"): what became of each insight, made public
status by status, and mail to the people who asked to know.

`services` (the status change and who is told, the participants' opt-in), `admin` (one insight
on its page, or many at once), `demo` (each status once in the demo data). The models,
`InsightStatusChange` and `InsightFollow`, are in the summaries room's models.
"""
