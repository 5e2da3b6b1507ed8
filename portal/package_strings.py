"""Interface text from installed packages whose Swedish translation we correct.

Django reads the project catalogue (LOCALE_PATHS) before a package's own, so a message id listed
here and translated in locale/sv/LC_MESSAGES/django.po replaces the package's translation.
Listing them keeps `makemessages --no-obsolete` from dropping the corrections.
"""

from django.utils.translation import gettext_noop

PACKAGE_STRINGS = [
    # allauth's login page: its Swedish catalogue gives the sign-up link the sentence that
    # belongs on the sign-up page ("Already have an account? Then sign in").
    gettext_noop(
        "If you have not created an account yet, then please %(link)ssign up%(end_link)s first."
    ),
]
