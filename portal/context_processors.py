from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info


def portal(request):
    """Site-wide template context: links to this page in every language."""
    current = get_language()
    language_links = [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": translate_url(request.get_full_path(), code),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]
    return {"language_links": language_links, "SITE_URL": settings.SITE_URL}
