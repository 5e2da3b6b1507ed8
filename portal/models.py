from django.db import models
from django.utils.translation import gettext_lazy as _

# The outbox's models live in its package; imported here so that Django finds them in the
# portal app (their app label and tables stay portal's).
from .outbox.models import MailOut, OutgoingEmail  # noqa: F401


class Municipality(models.Model):
    """One of the 26 municipalities of Stockholm county (loaded by a data migration)."""

    code = models.CharField(_("municipality code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{4}$"), name="municipality_code_four_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A theme of the regional culture strategy, maintained by staff, for tagging content."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str) -> str:
        """The theme's name in the given language (Swedish when no translation is set)."""
        return self.name_en if language == "en" and self.name_en else self.name
