"""Demo summaries and insights for the past demo meetings. Idempotent: natural keys, fixed text.

Written directly, not through `summary_publish`, so seeding sends no alerts.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portal.models import Municipality, Theme

from ..models import Meeting
from .models import Insight, InsightKind, Summary
from .services import summary_index, summary_meeting_year

OPPORTUNITY = InsightKind.OPPORTUNITY
OBSTACLE = InsightKind.OBSTACLE

# meeting slug -> summary; insights are (kind, theme slug, municipality names, groups, text).
SUMMARIES = {
    "civilsamhallet-varen": {
        "slug": "civilsamhallets-vardialog",
        "title": "Civilsamhällets vårdialog: mötesplatser och ideella krafter",
        "themes": ["civilsamhallets-roll", "lokaler-och-motesplatser"],
        "municipalities": ["Stockholm", "Botkyrka", "Haninge", "Södertälje"],
        "figures": {"civil_society": 14, "association": 9, "adult_education": 5},
        "text": (
            "Vårdialogen samlade föreningar, studieförbund och ideella organisationer från "
            "norra och södra länet. Samtalen handlade om hur föreningslivet kan nå fler och om "
            "bristen på lokaler.\n\n"
            "## Det vi hörde\n\n"
            "- Föreningarna i **Botkyrka** och **Haninge** vill samarbeta mer med biblioteken.\n"
            "- Lokalhyrorna har stigit, och flera föreningar har fått lämna sina lokaler.\n"
            "- Ideella krafter behöver stöd i ansökningar om bidrag.\n\n"
            "Kulturförvaltningen tar med sig frågorna till arbetet med den regionala "
            "kulturplanen."
        ),
        "insights": [
            (OPPORTUNITY, "lokaler-och-motesplatser", ["Botkyrka", "Haninge"],
             ["civil_society", "association"],
             "Biblioteken kan öppna sina lokaler för föreningar kvällar och helger."),
            (OBSTACLE, "lokaler-och-motesplatser", ["Stockholm", "Södertälje"],
             ["association"],
             "Höga lokalhyror gör att föreningar lämnar centrala lägen."),
            (OBSTACLE, "civilsamhallets-roll", ["Södertälje"], ["civil_society"],
             "Bidragsansökningar är svåra för små föreningar utan anställda."),
            (OPPORTUNITY, "civilsamhallets-roll", ["Stockholm"], ["adult_education"],
             "Studieförbunden kan ge stöd i ansökningar och i föreningsutveckling."),
        ],
    },
    "offentlig-konst": {
        "slug": "offentlig-konst-och-gestaltning",
        "title": "Offentlig konst och gestaltning i växande kommuner",
        "themes": ["kulturskapares-villkor", "tillgang-i-hela-lanet"],
        "municipalities": ["Nacka", "Järfälla", "Sundbyberg", "Solna"],
        "figures": {"professional_artist": 18, "municipality": 6},
        "text": (
            "Konstnärer och kommunernas tjänstepersoner samtalade om offentlig konst i nya "
            "bostadsområden. Många kommuner bygger snabbt, och konsten kommer ofta in sent i "
            "planeringen.\n\n"
            "Deltagarna lyfte enprocentsregeln som ett bra verktyg och efterfrågade tydligare "
            "avtal och skäliga arvoden för konstnärer."
        ),
        "insights": [
            (OPPORTUNITY, "tillgang-i-hela-lanet", ["Nacka", "Järfälla"], ["municipality"],
             "Enprocentsregeln i nya stadsdelar ger konst där människor bor."),
            (OBSTACLE, "kulturskapares-villkor", ["Sundbyberg", "Solna"],
             ["professional_artist"],
             "Konstnärer kommer in sent i planeringen och arvodena är låga."),
            (OPPORTUNITY, "kulturskapares-villkor", [], ["professional_artist", "municipality"],
             "Gemensamma avtalsmallar för länets kommuner skulle förenkla uppdragen."),
        ],
    },
    "kultur-i-samhallsplaneringen": {
        "slug": "kultur-i-samhallsplaneringen",
        "title": "Kommundialog: kultur i samhällsplaneringen",
        "themes": ["tillgang-i-hela-lanet", "barn-och-unga", "digitalisering"],
        "municipalities": ["Norrtälje", "Nynäshamn", "Värmdö", "Upplands Väsby", "Täby"],
        "figures": {"municipality": 21, "region": 4},
        "text": (
            "Kulturansvariga från länets kommuner diskuterade hur kulturen kan få plats i "
            "översiktsplaner och detaljplaner. Kommunerna i skärgården och i norra länet "
            "beskrev långa avstånd och glesa kollektivtrafikförbindelser.\n\n"
            "Flera kommuner vill dela erfarenheter av kulturplanering och digitala "
            "mötesplatser för barn och unga."
        ),
        "insights": [
            (OBSTACLE, "tillgang-i-hela-lanet", ["Norrtälje", "Värmdö", "Nynäshamn"],
             ["municipality"],
             "Långa avstånd och gles kollektivtrafik gör det svårt att nå kulturutbudet."),
            (OPPORTUNITY, "digitalisering", ["Värmdö", "Nynäshamn"], ["municipality", "region"],
             "Digitala mötesplatser kan nå unga i skärgården året runt."),
            (OPPORTUNITY, "barn-och-unga", ["Täby", "Upplands Väsby"], ["municipality"],
             "Kulturskolan kan samverka med fritidsgårdarna i nya bostadsområden."),
            (OBSTACLE, "barn-och-unga", ["Upplands Väsby"], ["municipality"],
             "Kulturen saknas ofta i översiktsplanerna och prioriteras bort."),
        ],
    },
    "folkbildning-i-norra-lanet": {
        "slug": "folkbildning-i-norra-lanet",
        "title": "Föreningsliv och folkbildning i norra länet",
        "themes": ["folkbildning", "tillganglighet-och-inkludering"],
        "municipalities": ["Norrtälje", "Sigtuna", "Vallentuna", "Österåker"],
        "figures": {"adult_education": 11, "association": 8, "civil_society": 6},
        "text": (
            "I Norrtälje konsthall möttes studieförbund, hembygdsföreningar och "
            "kulturföreningar från norra länet. Samtalet handlade om folkbildningens roll för "
            "kultur på landsbygden och om tillgänglighet för personer med funktionsnedsättning."
        ),
        "insights": [
            (OPPORTUNITY, "folkbildning", ["Norrtälje", "Österåker"],
             ["adult_education", "association"],
             "Studiecirklar i hembygdsgårdar når nya grupper på landsbygden."),
            (OBSTACLE, "tillganglighet-och-inkludering", ["Sigtuna", "Vallentuna"],
             ["civil_society"],
             "Många samlingslokaler saknar hörslinga och tillgänglig entré."),
            (OPPORTUNITY, "tillganglighet-och-inkludering", ["Sigtuna"], ["adult_education"],
             "Ett gemensamt lån av tillgänglighetsutrustning mellan föreningar."),
        ],
    },
}  # fmt: skip


def seed_summaries() -> None:
    themes = {theme.slug: theme for theme in Theme.objects.all()}
    municipalities = {m.name: m for m in Municipality.objects.all()}
    for meeting_slug, data in SUMMARIES.items():
        meeting = Meeting.objects.filter(slug=meeting_slug).first()
        # Only a held meeting has a summary, as summary_publish insists.
        if meeting is None or meeting.ends_at > timezone.now():
            continue
        # A week after the meeting, or (recently held) the start of this hour: never ahead.
        this_hour = timezone.now().replace(minute=0, second=0, microsecond=0)
        published_at = min(meeting.ends_at + dt.timedelta(days=7), this_hour)
        summary, _created = Summary.objects.update_or_create(
            meeting=meeting,
            defaults={
                "slug": data["slug"],
                "title": data["title"],
                "text": data["text"],
                "language": "sv",
                "attendee_figures": data["figures"],
                "published_at": published_at,
                "meeting_year": summary_meeting_year(meeting=meeting),
                "updated_at": published_at,
            },
        )
        summary.themes.set([themes[slug] for slug in data["themes"] if slug in themes])
        summary.municipalities.set(
            [municipalities[name] for name in data["municipalities"] if name in municipalities]
        )
        for position, (kind, theme, places, groups, text) in enumerate(data["insights"]):
            insight, _created = Insight.objects.update_or_create(
                summary=summary,
                position=position,
                defaults={
                    "kind": kind,
                    "text": text,
                    "theme": themes.get(theme),
                    "stakeholder_groups": groups,
                },
            )
            insight.municipalities.set([municipalities[n] for n in places if n in municipalities])
        Insight.objects.filter(summary=summary, position__gte=len(data["insights"])).delete()
        summary_index(summary=summary)
