"""The outbox: the one way the portal sends mail (docs/operations.md).

Callers write a message with `email_enqueue` (one recipient) or `mailout_create` (many) inside
their own transaction; the send task goes to the broker only when that transaction commits.

Templates: `template="dialogues/email/registration_confirmed"` renders, in the recipient's
language,

    dialogues/email/registration_confirmed_subject.txt   one line: what, and when
    dialogues/email/registration_confirmed.txt           {% extends "email/base.txt" %}
    dialogues/email/registration_confirmed.html          optional: {% extends "email/base.html" %}

Both bodies fill `{% block content %}` and may fill `{% block reason %}` (why the recipient
gets the mail; the layout's default says they have an account). The .html file is optional:
without it the text part's content is set in the HTML layout. Every template also gets
`portal_name`, `site_url`, `my_pages_url` and `language`.

A mail-out is written with its recipients; after the commit `mailout_fanout` tasks render and
write its outbox rows, 500 at a time, and publish their sends.

A row's life: queued -> sending (claimed, with a lease that its process renews while it lives)
-> sent; transient SMTP failures go back to queued with a backoff, permanent ones (and anything
still failing after MAIL_GIVE_UP_AFTER_SECONDS) end in failed; a batch cut short by a shutdown
gives its unsent rows back to queued. `email_redrive` takes back rows whose lease ran out (their
process died), republishes queued rows whose task message was lost (at once after the broker
lost its messages) and restarts fan-outs that stalled.

Modules: `models` (OutgoingEmail, MailOut), `enqueue` (writing: one message, a mail-out and its
fan-out, the worker's rendering of rows written with render_later), `render` (templates and
the stored context), `publish` (send tasks to the broker), `send` (claim, send, leases),
`redrive` (recovery and the staff retry), `mime`, `tasks`, `admin`, `erasure`.
"""
