"""Demo dialogue series, meetings and registrations. Idempotent: natural keys, fixed values.

Dates are counted from today's date at fixed clock times, so a second run on the same day
writes exactly what the first did. Registrations are written directly (no mail is sent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from portal.models import Municipality
from portal.registrations.models import CHECK_IN_ALPHABET

from .models import (
    DialogueSeries,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from .summaries.demo import seed_summaries
from .summaries.followup.demo import seed_follow_ups

REGIONENS_HUS = ("Regionens hus, Kulturförvaltningen", "Hantverkargatan 45, 112 21 Stockholm")

# What staff know about each venue's access (facts not listed are "not stated").
VENUE_FACTS = {
    REGIONENS_HUS[0]: {
        "hearing_loop": True,
        "step_free_access": True,
        "accessible_toilet": True,
        "quiet_room": True,
        "public_transport": "Rådhuset (tunnelbana, blå linjen), 4 minuter till fots; "
        "buss 3 och 40, hållplats Kungsholms torg",
        "access_notes": "Ingång från Hantverkargatan. Hiss till konferensvåningen.",
    },
    "Kulturhuset Stadsteatern, Studion": {
        "hearing_loop": True,
        "step_free_access": True,
        "accessible_toilet": True,
        "quiet_room": False,
        "public_transport": "T-Centralen (tunnelbana och pendeltåg), 3 minuter till fots",
        "access_notes": "Ingång från Sergels torg. Hiss till Studion på plan 3.",
    },
    "Södertälje stadsbibliotek": {
        "hearing_loop": True,
        "step_free_access": True,
        "accessible_toilet": True,
        "public_transport": "Södertälje centrum (pendeltåg och buss), 5 minuter till fots",
    },
}

SERIES = [
    {
        "slug": "dialog-med-civilsamhallet",
        "name": "Dialog med civilsamhället",
        "description": (
            "Återkommande samtal med föreningar, studieförbund och ideella organisationer om "
            "hur fler i hela länet kan ta del av och skapa kultur."
        ),
        "audience_groups": ["civil_society", "association", "adult_education"],
        "contact_name": "Maria Ekström",
        "contact_email": "maria.ekstrom@regionstockholm.se",
    },
    {
        "slug": "dialog-med-professionella-kulturskapare",
        "name": "Dialog med professionella kulturskapare",
        "description": (
            "Samtal med konstnärer, musiker, scenkonstnärer, författare och andra yrkesverksamma "
            "kulturskapare om villkor, lokaler och uppdrag i regionen."
        ),
        "audience_groups": ["professional_artist"],
        "contact_name": "Johan Berglund",
        "contact_email": "johan.berglund@regionstockholm.se",
    },
    {
        "slug": "kommundialog",
        "name": "Kommundialog",
        "description": (
            "Dialog mellan kulturförvaltningen och kulturansvariga i länets 26 kommuner om "
            "regional kulturplanering och samverkan."
        ),
        "audience_groups": ["municipality", "region"],
        "contact_name": "Sara Lindgren",
        "contact_email": "sara.lindgren@regionstockholm.se",
    },
]

# (series slug, slug, title, days from today, start hour, hours, format, venue, address,
#  capacity, extra fields)
MEETINGS = [
    (
        "dialog-med-civilsamhallet",
        "motesplatser-i-sodertalje",
        "Civilsamhällets mötesplatser i Södertälje",
        10,
        17,
        2,
        MeetingFormat.IN_PERSON,
        "Södertälje stadsbibliotek",
        "Stadsparken, 151 89 Södertälje",
        40,
        {"agenda": "17.00 Välkommen\n17.15 Lokala erfarenheter\n18.15 Samtal i grupper"},
    ),
    (
        "dialog-med-civilsamhallet",
        "barn-och-ungas-fritid",
        "Barn och ungas fritid: föreningslivets roll",
        24,
        13,
        3,
        MeetingFormat.HYBRID,
        *REGIONENS_HUS,
        30,
        {"online_url": "https://meet.regionstockholm.se/dialog-barn-och-unga"},
    ),
    (
        "dialog-med-civilsamhallet",
        "kultur-i-skargard-och-glesbygd",
        "Digital dialog: kultur i skärgård och glesbygd",
        17,
        18,
        1,
        MeetingFormat.ONLINE,
        "",
        "",
        100,
        {"online_url": "https://meet.regionstockholm.se/dialog-skargard"},
    ),
    (
        "dialog-med-professionella-kulturskapare",
        "kulturskapares-arbetsvillkor",
        "Kulturskapares arbetsvillkor i länet",
        14,
        15,
        2,
        MeetingFormat.IN_PERSON,
        "Kulturhuset Stadsteatern, Studion",
        "Sergels torg, 111 57 Stockholm",
        6,
        {},
    ),
    (
        "dialog-med-professionella-kulturskapare",
        "ateljeer-och-repetitionslokaler",
        "Ateljéer och repetitionslokaler",
        38,
        14,
        2,
        MeetingFormat.IN_PERSON,
        *REGIONENS_HUS,
        20,
        {"requires_approval": True},
    ),
    (
        "kommundialog",
        "regional-kulturplan",
        "Kommundialog: regional kulturplan 2028–2031",  # noqa: RUF001 (Swedish date range)
        21,
        9,
        3,
        MeetingFormat.IN_PERSON,
        *REGIONENS_HUS,
        52,
        {"reserved_seats": 10, "case_number": "KUN 2026/118"},
    ),
    (
        "kommundialog",
        "biblioteken-som-motesplatser",
        "Kommundialog: biblioteken som mötesplatser",
        45,
        9,
        2,
        MeetingFormat.IN_PERSON,
        "Kulturhuset Tumba",
        "Tumba torg 115, 147 30 Tumba",
        40,
        {"status": MeetingStatus.CANCELLED},
    ),
    (
        "kommundialog",
        "kommundialog-hosten",
        "Kommundialog hösten (planeras)",
        60,
        9,
        3,
        MeetingFormat.IN_PERSON,
        *REGIONENS_HUS,
        52,
        {"status": MeetingStatus.DRAFT},
    ),
    (
        "dialog-med-civilsamhallet",
        "civilsamhallet-varen",
        "Civilsamhällets vårdialog",
        -40,
        17,
        2,
        MeetingFormat.IN_PERSON,
        *REGIONENS_HUS,
        40,
        {},
    ),
    (
        "dialog-med-professionella-kulturskapare",
        "offentlig-konst",
        "Kulturskapare: offentlig konst och gestaltning",
        -70,
        15,
        2,
        MeetingFormat.HYBRID,
        "Konstfack",
        "LM Ericssons väg 14, 126 37 Hägersten",
        30,
        {"online_url": "https://meet.regionstockholm.se/offentlig-konst"},
    ),
    (
        "kommundialog",
        "kultur-i-samhallsplaneringen",
        "Kommundialog: kultur i samhällsplaneringen",
        -25,
        9,
        3,
        MeetingFormat.ONLINE,
        "",
        "",
        60,
        {"online_url": "https://meet.regionstockholm.se/samhallsplanering"},
    ),
    (
        "dialog-med-civilsamhallet",
        "folkbildning-i-norra-lanet",
        "Föreningsliv och folkbildning i norra länet",
        -100,
        17,
        2,
        MeetingFormat.IN_PERSON,
        "Norrtälje konsthall",
        "Lilla Torget 1, 761 30 Norrtälje",
        35,
        {},
    ),
]

DESCRIPTION = (
    "Kulturförvaltningen vill höra om möjligheter och hinder för att fler ska kunna ta del av "
    "kultur i hela Stockholms län. Vi samtalar i mindre grupper och sammanfattar det som "
    "kommer fram. Sammanfattningen publiceras här på portalen."
)

PARTICIPANTS = [
    ("Amira Hassan", "civil_society", "Föreningen Kulturbryggan"),
    ("Erik Nilsson", "professional_artist", "Frilansande skådespelare"),
    ("Lena Sjöberg", "professional_artist", "Bildkonstnär, KRO"),
    ("Mohammed Ali", "professional_artist", "Musiker"),
    ("Karin Holm", "professional_artist", "Koreograf"),
    ("Peter Larsson", "professional_artist", "Författare"),
    ("Sofia Andersson", "professional_artist", "Scenograf"),
    ("Jonas Ek", "professional_artist", "Filmare"),
    ("Ida Björk", "professional_artist", "Keramiker"),
    ("Oskar Lund", "professional_artist", "Tonsättare"),
    ("Fatima Yusuf", "adult_education", "Studieförbundet Vuxenskolan"),
    ("Anders Berg", "association", "Hembygdsförbund i Roslagen"),
]


# The municipalities the demo meetings are about (the rest are for the whole county), and where
# the demo participants live: so municipality pages, the map and the reach report show figures.
MEETING_MUNICIPALITIES = {
    "motesplatser-i-sodertalje": ["Södertälje"],
    "kultur-i-skargard-och-glesbygd": ["Norrtälje", "Värmdö", "Haninge", "Nynäshamn"],
    "biblioteken-som-motesplatser": ["Botkyrka", "Huddinge", "Salem"],
    "ateljeer-och-repetitionslokaler": ["Stockholm", "Botkyrka"],
    "civilsamhallet-varen": ["Stockholm", "Södertälje"],
}
PARTICIPANT_MUNICIPALITIES = [
    "Södertälje",
    "Stockholm",
    "Stockholm",
    "Botkyrka",
    "Nacka",
    "Solna",
    "Stockholm",
    "Huddinge",
    "Norrtälje",
    "Sundbyberg",
    "Södertälje",
    "Norrtälje",
]


def _participant_email(index: int) -> str:
    return f"demo.deltagare{index + 1:02d}@example.se"


def _code(*parts: str) -> str:
    """A fixed check-in code per registration, so a second run writes the same value."""
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return "".join(CHECK_IN_ALPHABET[byte % len(CHECK_IN_ALPHABET)] for byte in digest[:8])


def _participants() -> list[User]:
    places = {m.name: m for m in Municipality.objects.all()}
    users = []
    for index, (name, group, organisation) in enumerate(PARTICIPANTS):
        email = _participant_email(index)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, profile_completed_at=dt.datetime(2026, 1, 15, tzinfo=dt.UTC))
            user.set_unusable_password()
        user.display_name = name
        user.stakeholder_group = group
        user.organisation = organisation
        user.municipality = places.get(
            PARTICIPANT_MUNICIPALITIES[index % len(PARTICIPANT_MUNICIPALITIES)]
        )
        user.save()
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users.append(user)
    return users


def _at(day: dt.date, days: int, hour: int) -> dt.datetime:
    local = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(hour))
    return local.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def _register(meeting: Meeting, user: User, status: str, **fields) -> None:
    Registration.objects.update_or_create(
        meeting=meeting,
        user=user,
        defaults={
            "status": status,
            "check_in_code": _code(meeting.slug, user.email),
            **fields,
        },
    )


def seed() -> None:
    series = {
        data["slug"]: DialogueSeries.objects.update_or_create(
            slug=data["slug"], defaults={k: v for k, v in data.items() if k != "slug"}
        )[0]
        for data in SERIES
    }
    today = timezone.localdate()
    meetings = {}
    for (
        series_slug,
        slug,
        title,
        days,
        hour,
        hours,
        meeting_format,
        venue,
        address,
        capacity,
        extra,
    ) in MEETINGS:
        starts_at = _at(today, days, hour)
        status = extra.get("status", MeetingStatus.PUBLISHED)
        defaults = {
            "series": series[series_slug],
            "title": title,
            "description": DESCRIPTION,
            "starts_at": starts_at,
            "ends_at": starts_at + dt.timedelta(hours=hours),
            "format": meeting_format,
            "venue": venue,
            "address": address,
            "capacity": capacity,
            "status": status,
            "published_at": (
                None if status == MeetingStatus.DRAFT else starts_at - dt.timedelta(days=30)
            ),
            "registration_closes_at": starts_at - dt.timedelta(days=2),
            **VENUE_FACTS.get(venue, {}),
            **extra,
        }
        meetings[slug] = Meeting.objects.update_or_create(slug=slug, defaults=defaults)[0]
        meetings[slug].municipalities.set(
            Municipality.objects.filter(name__in=MEETING_MUNICIPALITIES.get(slug, []))
        )

    people = _participants()
    artists = people[1:10]
    # Full, with a waitlist: six seats, nine artists.
    full = meetings["kulturskapares-arbetsvillkor"]
    for index, user in enumerate(artists):
        status = RegistrationStatus.CONFIRMED if index < 6 else RegistrationStatus.WAITLISTED
        _register(full, user, status, dietary_needs="Vegetarisk" if index == 0 else "")
    # Waiting for approval.
    for user in artists[:2]:
        _register(
            meetings["ateljeer-och-repetitionslokaler"],
            user,
            RegistrationStatus.PENDING,
            message="Jag driver en kollektivateljé i Botkyrka.",
        )
    _register(
        meetings["motesplatser-i-sodertalje"],
        people[0],
        RegistrationStatus.CONFIRMED,
        accessibility_needs="Hörslinga",
    )
    _register(meetings["barn-och-ungas-fritid"], people[10], RegistrationStatus.CONFIRMED)
    # A held meeting with attendance recorded.
    held = meetings["civilsamhallet-varen"]
    # Eight were checked in, enough for the evaluation's results to show (five answers or more).
    for user in (people[0], people[10], people[11], *people[1:6]):
        _register(
            held,
            user,
            RegistrationStatus.CONFIRMED,
            checked_in_at=held.starts_at + dt.timedelta(minutes=5),
        )
    seed_summaries()
    seed_follow_ups()
