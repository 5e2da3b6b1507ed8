"""Demo data: Stockholmstinget 2019 and 2020 with documentation, and a coming edition.

Idempotent: every row is found by its natural key (year; edition and name; edition, title and
start; edition and participant) and updated in place.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.models import Municipality
from portal.registrations.services import registration_insert, with_fresh_codes

from .models import (
    AttendanceMode,
    DocumentationLink,
    DocumentationLinkKind,
    Edition,
    EditionFormat,
    EditionRegistration,
    EditionStatus,
    Partner,
    RegistrationStatus,
    Sector,
    Session,
    SessionSignup,
    SignupStatus,
    Speaker,
)

TZ = ZoneInfo("Europe/Stockholm")
COMING_YEAR = 2027


def _at(day: dt.date, clock: str) -> dt.datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


EDITIONS = [
    {
        "year": 2019,
        "day": dt.date(2019, 11, 14),
        "hours": ("09:00", "16:30"),
        "title": "Stockholmstinget 2019",
        "theme": "Kultur, idrott, folkbildning och föreningsliv som kraft i den regionala "
        "utvecklingen.",
        "description": "Det första Stockholmstinget samlade kompetens och nätverk från hela "
        "Stockholmsregionen: kommuner, studieförbund, idrottsförbund, kulturinstitutioner och "
        "föreningar. Dagen handlade om hur vi tillsammans stärker kulturens och civilsamhällets "
        "roll när regionen växer.",
        "format": EditionFormat.IN_PERSON,
        "venue": "Münchenbryggeriet",
        "address": "Torkel Knutssonsgatan 2, Stockholm",
        "venue_facts": {
            "hearing_loop": True,
            "step_free_access": True,
            "accessible_toilet": True,
            "public_transport": "Mariatorget (tunnelbana), 5 minuter till fots",
        },
        "capacity": 300,
        "documentation": "Tack till alla drygt 250 deltagare! Här finns dokumentationen från "
        "dagen: filmade inspel, presentationer och en sammanfattning av de gemensamma "
        "samtalen. Samtalen pekade särskilt på behovet av lokaler i hela länet, på "
        "samverkan mellan kommuner och studieförbund och på barns och ungas möjligheter "
        "till kultur och idrott nära hemmet.",
        "links": [
            (
                "Filmat: Inledning och keynote",
                "https://www.youtube.com/watch?v=tinget2019a",
                DocumentationLinkKind.RECORDING,
            ),
            (
                "Presentationer från dagen (pdf)",
                "https://www.regionstockholm.se/stockholmstinget/2019/presentationer.pdf",
                DocumentationLinkKind.PRESENTATION,
            ),
            (
                "Sammanfattning av samtalen (pdf)",
                "https://www.regionstockholm.se/stockholmstinget/2019/sammanfattning.pdf",
                DocumentationLinkKind.REPORT,
            ),
        ],
    },
    {
        "year": 2020,
        "day": dt.date(2020, 11, 19),
        "hours": ("09:30", "15:00"),
        "title": "Stockholmstinget 2020 \u2013 digitalt",
        "theme": "Att ställa om och hålla ihop: kultur, idrott och föreningsliv under pandemin.",
        "description": "Det andra Stockholmstinget hölls digitalt. Vi delade erfarenheter från "
        "ett år då mötesplatser stängde och verksamheter ställde om till digitala former, och "
        "samtalade om vad regionen behöver för att återstarten ska nå hela länet.",
        "format": EditionFormat.DIGITAL,
        "venue": "",
        "address": "",
        "capacity": None,
        "documentation": "Hela sändningen finns att se i efterhand, uppdelad per pass. "
        "Presentationerna och en sammanställning av frågorna i chatten finns nedan.",
        "links": [
            (
                "Inspelning: förmiddagens pass",
                "https://www.youtube.com/watch?v=tinget2020a",
                DocumentationLinkKind.RECORDING,
            ),
            (
                "Inspelning: eftermiddagens pass",
                "https://www.youtube.com/watch?v=tinget2020b",
                DocumentationLinkKind.RECORDING,
            ),
            (
                "Presentationer (pdf)",
                "https://www.regionstockholm.se/stockholmstinget/2020/presentationer.pdf",
                DocumentationLinkKind.PRESENTATION,
            ),
        ],
    },
    {
        "year": COMING_YEAR,
        "day": dt.date(COMING_YEAR, 11, 18),
        "hours": ("09:00", "16:30"),
        "title": f"Stockholmstinget {COMING_YEAR}",
        "theme": "Mötesplatser i hela länet \u2013 kultur, idrott, folkbildning och föreningsliv "
        "bygger regionen.",
        "description": "Välkommen till årets Stockholmstinget! En dag för alla som arbetar för "
        "att stärka kulturens, idrottens, folkbildningens och föreningslivets roll i den "
        "regionala utvecklingen. Delta på plats eller följ dagen digitalt. Välj själv vilka "
        "pass du vill gå på i programmet.",
        "format": EditionFormat.HYBRID,
        "venue": "Kulturhuset Stadsteatern",
        "address": "Sergels torg, Stockholm",
        "venue_facts": {
            "hearing_loop": True,
            "step_free_access": True,
            "accessible_toilet": True,
            "quiet_room": True,
            "public_transport": "T-Centralen (tunnelbana och pendeltåg), 3 minuter till fots",
            "access_notes": "Ingång från Sergels torg. Hissar till alla våningar; "
            "vilorummet finns på plan 4.",
        },
        "capacity": 250,
        "documentation": "",
        "links": [],
    },
]

SPEAKERS = {
    2019: [
        ("Anna Bergström", "Kulturdirektör", "Region Stockholm", "Leder kulturförvaltningen."),
        (
            "Johan Ek",
            "Förbundschef",
            "Stockholmsidrotten",
            "Har arbetat med idrott i länet i tjugo år.",
        ),
        (
            "Leila Haddad",
            "Rektor",
            "Stockholms folkhögskola",
            "Driver frågor om folkbildning och inkludering.",
        ),
        ("Per Sandberg", "Kulturchef", "Södertälje kommun", ""),
    ],
    2020: [
        ("Anna Bergström", "Kulturdirektör", "Region Stockholm", "Leder kulturförvaltningen."),
        ("Maria Nyström", "Verksamhetschef", "Studieförbundet Vuxenskolan Stockholms län", ""),
        ("Erik Lund", "Ordförande", "Föreningsrådet i Norrtälje", ""),
    ],
    COMING_YEAR: [
        (
            "Anna Bergström",
            "Kulturdirektör",
            "Region Stockholm",
            "Leder kulturförvaltningen och arbetet med den regionala kulturstrategin.",
        ),
        (
            "Sofia Karlsson",
            "Utvecklingsstrateg",
            "Region Stockholm",
            "Arbetar med regional utvecklingsplanering och kulturens roll i den.",
        ),
        (
            "Ahmed Yusuf",
            "Ungdomsledare",
            "Botkyrka idrottsförening",
            "Bygger mötesplatser för unga i Alby och Fittja.",
        ),
        (
            "Karin Lindqvist",
            "Samverkansansvarig",
            "Region Stockholm",
            "Håller ihop dialogerna med civilsamhället.",
        ),
        (
            "Leila Haddad",
            "Rektor",
            "Stockholms folkhögskola",
            "Driver frågor om folkbildning och inkludering.",
        ),
        ("Jonas Holm", "Kultursekreterare", "Värmdö kommun", "Arbetar med kultur i skärgården."),
        (
            "Elin Svensson",
            "Konstnär",
            "KRO Stockholm",
            "Bildkonstnär och ledamot i Konstnärernas riksorganisation.",
        ),
        ("Mikael Ahlgren", "Förbundschef", "Stockholmsidrotten", ""),
    ],
}

# The organisations each edition is made with: (name, website).
PARTNERS = {
    2019: [
        ("Stockholmsidrotten", "https://www.stockholmsidrotten.se/"),
        ("Studieförbunden i Stockholms län", "https://www.studieforbunden.se/"),
        ("Föreningsrådet i Norrtälje", ""),
    ],
    COMING_YEAR: [
        ("Stockholmsidrotten", "https://www.stockholmsidrotten.se/"),
        ("Studieförbunden i Stockholms län", "https://www.studieforbunden.se/"),
        ("KRO Stockholm", ""),
    ],
}

# After the day: the recordings and slides of single sessions, (session title, link title, url).
SESSION_LINKS = {
    2019: [
        (
            "Inledning: varför ett Stockholmsting?",
            "Filmat: inledningen",
            "https://www.youtube.com/watch?v=tinget2019-inledning",
            DocumentationLinkKind.RECORDING,
        ),
    ],
}

# (title, start, end, track, room, capacity, in person only, speakers, description)
SESSIONS = {
    2019: [
        (
            "Inledning: varför ett Stockholmsting?",
            "09:00",
            "09:45",
            "",
            "Stora salen",
            None,
            False,
            ["Anna Bergström"],
            "Om den regionala kulturstrategin och dagens upplägg.",
        ),
        (
            "Idrott och kultur i växande kommuner",
            "10:00",
            "11:00",
            "Spår A",
            "Stora salen",
            None,
            False,
            ["Johan Ek", "Per Sandberg"],
            "Hur planerar vi för mötesplatser när kommunerna växer?",
        ),
        (
            "Folkbildningens roll i regionen",
            "10:00",
            "11:00",
            "Spår B",
            "Lilla salen",
            80,
            False,
            ["Leila Haddad"],
            "Studieförbund och folkhögskolor som regional kraft.",
        ),
        (
            "Gemensamma samtal och avslutning",
            "14:30",
            "16:30",
            "",
            "Stora salen",
            None,
            False,
            ["Anna Bergström"],
            "Vad tar vi med oss?",
        ),
    ],
    2020: [
        (
            "Inledning och lägesbild",
            "09:30",
            "10:15",
            "",
            "Sändning",
            None,
            False,
            ["Anna Bergström"],
            "Kultur och föreningsliv under pandemin.",
        ),
        (
            "Att ställa om: studieförbunden digitalt",
            "10:30",
            "11:30",
            "",
            "Sändning",
            None,
            False,
            ["Maria Nyström"],
            "",
        ),
        (
            "Föreningslivet i hela länet",
            "13:00",
            "14:15",
            "",
            "Sändning",
            None,
            False,
            ["Erik Lund"],
            "Erfarenheter från Norrtälje och andra kommuner.",
        ),
    ],
    COMING_YEAR: [
        (
            "Välkommen och inledning",
            "09:00",
            "09:45",
            "",
            "Hörsalen",
            None,
            False,
            ["Anna Bergström", "Sofia Karlsson"],
            "Dagens tema och den regionala utvecklingsplanen.",
        ),
        (
            "Idrott som mötesplats för unga",
            "10:00",
            "11:00",
            "Kultur och idrott",
            "Hörsalen",
            120,
            False,
            ["Ahmed Yusuf", "Mikael Ahlgren"],
            "Hur föreningar når unga som inte redan är med.",
        ),
        (
            "Folkbildning i hela länet",
            "10:00",
            "11:00",
            "Folkbildning och föreningsliv",
            "Studion",
            12,
            False,
            ["Leila Haddad"],
            "Studieförbund och folkhögskolor utanför stadskärnan.",
        ),
        (
            "Verkstad: kulturskapares villkor",
            "11:15",
            "12:15",
            "Kultur och idrott",
            "Verkstan",
            12,
            True,
            ["Elin Svensson"],
            "Ett samtal i mindre grupp, bara på plats.",
        ),
        (
            "Samverkan mellan kommun och förening",
            "11:15",
            "12:15",
            "Folkbildning och föreningsliv",
            "Studion",
            40,
            False,
            ["Karin Lindqvist", "Jonas Holm"],
            "Avtal, lokaler och bidrag: vad fungerar?",
        ),
        (
            "Kultur i skärgården och landsbygden",
            "13:15",
            "14:15",
            "Kultur och idrott",
            "Hörsalen",
            120,
            False,
            ["Jonas Holm"],
            "Tillgång till kultur i hela länet.",
        ),
        (
            "Föreningslivets lokaler",
            "13:15",
            "14:15",
            "Folkbildning och föreningsliv",
            "Studion",
            40,
            False,
            ["Karin Lindqvist"],
            "Var ska föreningarna vara?",
        ),
        (
            "Gemensamt samtal och avslutning",
            "15:00",
            "16:30",
            "",
            "Hörsalen",
            None,
            False,
            ["Anna Bergström", "Sofia Karlsson"],
            "Vad tar vi med oss till nästa år?",
        ),
    ],
}

# Demo participants for the coming edition: two sessions end up one or two seats from full.
PARTICIPANTS = 11
NEAR_FULL = ["Folkbildning i hela länet", "Verkstad: kulturskapares villkor"]


def _demo_now() -> dt.datetime:
    # Whole hours, so that seeding again within the hour changes nothing.
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def _edition(data: dict) -> Edition:
    day = data["day"]
    starts_at, ends_at = (_at(day, clock) for clock in data["hours"])
    past = data["year"] < COMING_YEAR
    edition, _created = Edition.objects.update_or_create(
        year=data["year"],
        defaults={
            "title": data["title"],
            "theme": data["theme"],
            "description": data["description"],
            "starts_at": starts_at,
            "ends_at": ends_at,
            "format": data["format"],
            "venue": data["venue"],
            "address": data["address"],
            "capacity": data["capacity"],
            "stream_url": "" if past else "https://play.regionstockholm.se/stockholmstinget",
            # The coming edition takes registrations now, so the demo can be tried.
            "registration_opens_at": starts_at - dt.timedelta(days=90)
            if past
            else min(starts_at - dt.timedelta(days=90), _demo_now() - dt.timedelta(days=7)),
            "registration_closes_at": starts_at - dt.timedelta(days=3),
            "status": EditionStatus.PUBLISHED,
            "published_at": starts_at - dt.timedelta(days=120),
            "documentation": data["documentation"],
            "documentation_published_at": ends_at + dt.timedelta(days=14) if past else None,
            "contact_email": "stockholmstinget@regionstockholm.se",
            **data.get("venue_facts", {}),
        },
    )
    for order, (title, url, kind) in enumerate(data["links"]):
        DocumentationLink.objects.update_or_create(
            edition=edition, url=url, defaults={"title": title, "kind": kind, "order": order}
        )
    return edition


def _programme(edition: Edition) -> dict[str, Session]:
    speakers = {}
    for name, role, organisation, bio in SPEAKERS[edition.year]:
        speakers[name], _created = Speaker.objects.update_or_create(
            edition=edition,
            name=name,
            defaults={"role": role, "organisation": organisation, "bio": bio},
        )
    day = edition.starts_at.astimezone(TZ).date()
    sessions = {}
    for row in SESSIONS[edition.year]:
        title, start, end, track, room, capacity, on_site, names, description = row
        session, _created = Session.objects.update_or_create(
            edition=edition,
            title=title,
            starts_at=_at(day, start),
            defaults={
                "ends_at": _at(day, end),
                "track": track,
                "room": room,
                "capacity": capacity,
                "in_person_only": on_site,
                # The programme's untracked, uncapped items are the plenary ones.
                "plenary": not track and capacity is None,
                "description": description,
            },
        )
        session.speakers.set([speakers[name] for name in names])
        sessions[title] = session
    for order, (name, url) in enumerate(PARTNERS.get(edition.year, [])):
        Partner.objects.update_or_create(
            edition=edition, name=name, defaults={"url": url, "order": order}
        )
    for order, (session_title, title, url, kind) in enumerate(SESSION_LINKS.get(edition.year, [])):
        DocumentationLink.objects.update_or_create(
            edition=edition,
            url=url,
            defaults={
                "session": sessions[session_title],
                "title": title,
                "kind": kind,
                "order": 100 + order,
            },
        )
    return sessions


def _participants(edition: Edition, sessions: dict[str, Session]) -> None:
    user_model = get_user_model()
    municipalities = list(Municipality.objects.order_by("code")[:PARTICIPANTS])
    sectors = [
        Sector.CULTURE,
        Sector.SPORT,
        Sector.ADULT_EDUCATION,
        Sector.ASSOCIATIONS,
    ]
    for number in range(PARTICIPANTS):
        municipality = municipalities[number % len(municipalities)] if municipalities else None
        user, _created = user_model.objects.get_or_create(
            email=f"tinget-deltagare{number + 1}@example.se",
            defaults={
                "display_name": f"Deltagare {number + 1}",
                "password": "!demo",
                "municipality": municipality,
                "preferred_language": "sv",
            },
        )
        registration = EditionRegistration.objects.filter(edition=edition, user=user).first()
        if registration is None:
            fields = {
                "edition": edition,
                "user": user,
                "mode": AttendanceMode.IN_PERSON,
                "sector": sectors[number % len(sectors)],
                "organisation": "Demoföreningen",
                "municipality": municipality,
                "status": RegistrationStatus.CONFIRMED,
                "created_at": edition.starts_at - dt.timedelta(days=30),
                "updated_at": edition.starts_at - dt.timedelta(days=30),
            }
            registration = with_fresh_codes(
                lambda fields=fields: registration_insert(EditionRegistration, **fields)
            )
        for index, title in enumerate(NEAR_FULL):
            # 11 and 10 of 12 seats taken.
            if number < PARTICIPANTS - index:
                SessionSignup.objects.get_or_create(
                    registration=registration,
                    session=sessions[title],
                    defaults={
                        "status": SignupStatus.CONFIRMED,
                        "created_at": edition.starts_at - dt.timedelta(days=30),
                    },
                )


def seed() -> None:
    for data in EDITIONS:
        edition = _edition(data)
        sessions = _programme(edition)
        if edition.year == COMING_YEAR:
            _participants(edition, sessions)
            _call_for_sessions(edition)


# (proposer number, title, format minutes, sector, status, reviews (score, comment)...)
PROPOSALS = [
    (
        1,
        "Idrott och kultur under samma tak",
        45,
        Sector.SPORT,
        "submitted",
        [(5, "Tydlig koppling till temat."), (4, "Bra exempel från två kommuner.")],
    ),
    (2, "Folkbildning för nyanlända i glesbygd", 90, Sector.ADULT_EDUCATION, "submitted", []),
    (
        3,
        "Föreningslivets lokaler: vem får boka?",
        45,
        Sector.ASSOCIATIONS,
        "accepted",
        [(5, "Efterfrågat av många kommuner."), (5, "Ja.")],
    ),
]


def _call_for_sessions(edition: Edition) -> None:
    """An open call with proposals in review, and an accepted one in the programme."""
    from .proposals.models import CallFormat, CallForSessions, Proposal, ProposalStatus
    from .proposals.services import proposal_session_create

    user_model = get_user_model()
    now = timezone.now()
    call, _created = CallForSessions.objects.update_or_create(
        edition=edition,
        defaults={
            "description": (
                "Har du idéer om föreläsare, seminarier och workshops? Föreslå ett pass "
                "till Stockholmstinget: ett seminarium, en workshop, ett panelsamtal eller ett "
                "kort föredrag om kultur, idrott, folkbildning eller föreningsliv i länet."
            ),
            # Fixed to the edition, so a second seed changes nothing: open from a year before
            # until three months before the day.
            "opens_at": edition.starts_at - dt.timedelta(days=365),
            "closes_at": edition.starts_at - dt.timedelta(days=90),
        },
    )
    formats = {}
    for kind, minutes in (("seminar", 45), ("workshop", 90), ("panel", 60), ("short_talk", 20)):
        formats[minutes], _created = CallFormat.objects.get_or_create(
            call=call, kind=kind, minutes=minutes
        )
    reviewers = [
        user_model.objects.get_or_create(
            email=f"programgrupp{number}@example.se",
            defaults={"display_name": f"Programgruppen {number}", "password": "!demo"},
        )[0]
        for number in (1, 2)
    ]
    for number, title, minutes, sector, status, reviews in PROPOSALS:
        proposer = user_model.objects.get(email=f"tinget-deltagare{number}@example.se")
        proposal, created = Proposal.objects.get_or_create(
            call=call,
            title=title,
            defaults={
                "proposer": proposer,
                "format": formats[minutes],
                "abstract": f"{title}: erfarenheter från kommuner och föreningar i länet.",
                "audience": "Kulturtjänstepersoner och föreningsaktiva",
                "organisation": "Demoföreningen",
                "sector": sector,
                "accessibility": "Teckenspråkstolk och hörslinga.",
                "needs": "Projektor och fyra mikrofoner.",
                "status": ProposalStatus.SUBMITTED,
                "submitted_at": now - dt.timedelta(days=7),
            },
        )
        if created:
            proposal.speakers.create(
                name=f"Talare {number}",
                role="Verksamhetsledare, Demoföreningen",
                bio="Arbetar med föreningsliv i länet.",
                consent_to_publish=True,
            )
        for reviewer, (score, comment) in zip(reviewers, reviews, strict=False):
            proposal.reviews.get_or_create(
                reviewer=reviewer, defaults={"score": score, "comment": comment}
            )
        if status == "accepted" and proposal.session_id is None:
            proposal.status, proposal.decided_at = ProposalStatus.ACCEPTED, now
            proposal.save(update_fields=["status", "decided_at"])
            session = proposal_session_create(proposal=proposal)
            # Staff gave it a time and a room and published it.
            session.starts_at = edition.ends_at - dt.timedelta(hours=2)
            session.ends_at = session.starts_at + dt.timedelta(minutes=minutes)
            session.room, session.published = "Studion", True
            session.save()
