from django import template

register = template.Library()


@register.filter
def theme_name(theme, language: str) -> str:
    """A theme's name in the page's language."""
    return theme.display_name(language) if theme else ""


@register.filter
def insight_status_label(status: str) -> str:
    """An insight status's label in the active language (mails store the value only)."""
    from dialogues.summaries.models import InsightStatus

    return str(InsightStatus(status).label) if status in InsightStatus.values else status


@register.filter
def status_count(counts: dict, status: str) -> int:
    """The count under one insight status in a {status: count} mapping (zero when absent)."""
    return counts.get(str(status), 0)
