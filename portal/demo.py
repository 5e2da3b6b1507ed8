"""Demo data for the portal's reference data. Every seed function is idempotent."""

from __future__ import annotations

from .models import Theme

THEMES = [
    ("tillgang-i-hela-lanet", "Tillgång i hela länet", "Access across the whole county"),
    ("barn-och-unga", "Barn och unga", "Children and young people"),
    ("kulturskapares-villkor", "Kulturskapares villkor", "Artists' working conditions"),
    ("civilsamhallets-roll", "Civilsamhällets roll", "The role of civil society"),
    ("lokaler-och-motesplatser", "Lokaler och mötesplatser", "Venues and meeting places"),
    ("digitalisering", "Digitalisering", "Digitalisation"),
    ("folkbildning", "Folkbildning", "Adult education"),
    (
        "tillganglighet-och-inkludering",
        "Tillgänglighet och inkludering",
        "Accessibility and inclusion",
    ),
]


def seed() -> None:
    for slug, name, name_en in THEMES:
        Theme.objects.update_or_create(slug=slug, defaults={"name": name, "name_en": name_en})
