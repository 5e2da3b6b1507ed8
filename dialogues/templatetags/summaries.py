from django import template

register = template.Library()


@register.filter
def theme_name(theme, language: str) -> str:
    """A theme's name in the page's language."""
    return theme.display_name(language) if theme else ""
