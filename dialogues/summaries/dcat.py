"""The open-data catalogue in DCAT-AP-SE, so that Sveriges dataportal can harvest it.

Two datasets, each with a CSV and a JSON distribution: the register of opportunities and
obstacles (the insights and their follow-up) and the published meeting summaries. Every node
the profile names (catalogue, dataset, distribution, publisher, contact point) is an absolute
IRI on this site or the publisher's, never a blank node: a harvester merges catalogues by
these IRIs, and blank nodes would come back as new resources on every harvest.

Titles and descriptions are given in Swedish and English, with language tags. Only what the
public pages already show goes in: counts of nothing, dates of the last publication.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from .models import Insight, Summary

LICENSE = URIRef("http://creativecommons.org/licenses/by/4.0/")
EU = "http://publications.europa.eu/resource/authority/"
THEME_EDUCATION_CULTURE_SPORT = URIRef(EU + "data-theme/EDUC")
THEME_GOVERNMENT = URIRef(EU + "data-theme/GOVE")
LANGUAGES = {"sv": URIRef(EU + "language/SWE"), "en": URIRef(EU + "language/ENG")}
FILE_TYPES = {"csv": URIRef(EU + "file-type/CSV"), "json": URIRef(EU + "file-type/JSON")}
MEDIA_TYPES = {
    "csv": URIRef("https://www.iana.org/assignments/media-types/text/csv"),
    "json": URIRef("https://www.iana.org/assignments/media-types/application/json"),
}
# Stockholm County in the EU's list of places (the datasets cover its 26 municipalities).
STOCKHOLM_COUNTY = URIRef("http://publications.europa.eu/resource/authority/atu/SWE_AB")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS_PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")


@dataclass(frozen=True)
class DatasetEntry:
    key: str
    title: object
    description: object
    keywords: tuple
    landing: str  # the view name of the page people read
    exports: dict  # format -> the view name of the download
    modified: dict  # the latest publication or change, by what changed


def _absolute(view_name: str) -> str:
    # The Swedish paths have no language prefix; they are the stable ones.
    with translation.override("sv"):
        return settings.SITE_URL + reverse(view_name)


def catalogue_url() -> str:
    return settings.SITE_URL + "/datasets/dcat"


def _datasets() -> list[DatasetEntry]:
    summaries = Summary.objects.published()
    insights = Insight.objects.published()
    return [
        DatasetEntry(
            key="insikter",
            title=_("Opportunities and obstacles for access to culture in Stockholm County"),
            description=_(
                "The register of opportunities and obstacles for access to culture that the "
                "regional dialogue meetings have identified across the 26 municipalities of "
                "Stockholm County, with the follow-up of each: status, response, date, case "
                "number and responsible body."
            ),
            keywords=(_("culture"), _("regional cooperation"), _("municipalities")),
            landing="dialogues:insight_list",
            exports={
                "csv": "dialogues:insight_export_csv",
                "json": "dialogues:insight_export_json",
            },
            modified=insights.aggregate(
                last=Max("status_changed_at"), published=Max("summary__published_at")
            ),
        ),
        DatasetEntry(
            key="sammanfattningar",
            title=_("Summaries of the regional culture dialogue meetings"),
            description=_(
                "The published summaries of the dialogue meetings that Region Stockholm's "
                "culture administration holds with civil society, professional artists and "
                "the municipalities of Stockholm County."
            ),
            keywords=(_("culture"), _("dialogue"), _("civil society")),
            landing="dialogues:summary_list",
            exports={
                "csv": "dialogues:summary_export_csv",
                "json": "dialogues:summary_export_json",
            },
            modified=summaries.aggregate(last=Max("published_at")),
        ),
    ]


def _latest(values: dict | None) -> dt.datetime | None:
    found = [value for value in (values or {}).values() if value]
    return max(found) if found else None


def _texts(graph: Graph, subject: URIRef, predicate: URIRef, text) -> None:
    for language in LANGUAGES:
        with translation.override(language):
            graph.add((subject, predicate, Literal(str(text), lang=language)))


def catalogue_graph() -> Graph:
    """The catalogue as an RDF graph (serialise it as RDF/XML for the harvester)."""
    graph = Graph()
    graph.bind("dcat", DCAT)
    graph.bind("dct", DCTERMS)
    graph.bind("foaf", FOAF)
    graph.bind("vcard", VCARD)

    base = catalogue_url()
    catalogue = URIRef(base)
    publisher = URIRef(settings.OPEN_DATA_PUBLISHER_URL)
    contact = URIRef(f"{base}#kontakt")

    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(settings.OPEN_DATA_PUBLISHER_NAME, lang="sv")))
    graph.add((publisher, DCTERMS.type, ADMS_PUBLISHER_TYPE.RegionalAuthority))

    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(settings.OPEN_DATA_CONTACT_NAME)))
    graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{settings.OPEN_DATA_CONTACT_EMAIL}")))

    graph.add((catalogue, RDF.type, DCAT.Catalog))
    _texts(graph, catalogue, DCTERMS.title, _("Open data from Samverkansportalen"))
    _texts(
        graph,
        catalogue,
        DCTERMS.description,
        _(
            "Open data from Region Stockholm's portal for regional cooperation on culture: "
            "what the dialogue meetings found and what became of it."
        ),
    )
    graph.add((catalogue, DCTERMS.publisher, publisher))
    graph.add((catalogue, DCTERMS.license, LICENSE))
    graph.add((catalogue, FOAF.homepage, URIRef(settings.SITE_URL + "/")))
    graph.add((catalogue, DCAT.themeTaxonomy, URIRef(EU + "data-theme")))
    for language in LANGUAGES.values():
        graph.add((catalogue, DCTERMS.language, language))

    latest = []
    for entry in _datasets():
        dataset = URIRef(f"{base}#{entry.key}")
        graph.add((catalogue, DCAT.dataset, dataset))
        graph.add((dataset, RDF.type, DCAT.Dataset))
        _texts(graph, dataset, DCTERMS.title, entry.title)
        _texts(graph, dataset, DCTERMS.description, entry.description)
        for keyword in entry.keywords:
            _texts(graph, dataset, DCAT.keyword, keyword)
        graph.add((dataset, DCTERMS.publisher, publisher))
        graph.add((dataset, DCAT.contactPoint, contact))
        graph.add((dataset, DCAT.theme, THEME_EDUCATION_CULTURE_SPORT))
        graph.add((dataset, DCAT.theme, THEME_GOVERNMENT))
        graph.add((dataset, DCTERMS.spatial, STOCKHOLM_COUNTY))
        graph.add((dataset, DCAT.landingPage, URIRef(_absolute(entry.landing))))
        for language in LANGUAGES.values():
            graph.add((dataset, DCTERMS.language, language))
        modified = _latest(entry.modified)
        if modified:
            latest.append(modified)
            graph.add(
                (
                    dataset,
                    DCTERMS.modified,
                    Literal(timezone.localtime(modified).isoformat(), datatype=XSD.dateTime),
                )
            )
        for fmt, view_name in entry.exports.items():
            url = URIRef(_absolute(view_name))
            distribution = URIRef(f"{base}#{entry.key}-{fmt}")
            graph.add((dataset, DCAT.distribution, distribution))
            graph.add((distribution, RDF.type, DCAT.Distribution))
            _texts(
                graph,
                distribution,
                DCTERMS.title,
                _("CSV file") if fmt == "csv" else _("JSON file"),
            )
            graph.add((distribution, DCAT.accessURL, url))
            graph.add((distribution, DCAT.downloadURL, url))
            graph.add((distribution, DCTERMS.format, FILE_TYPES[fmt]))
            graph.add((distribution, DCAT.mediaType, MEDIA_TYPES[fmt]))
            graph.add((distribution, DCTERMS.license, LICENSE))
    if latest:
        graph.add(
            (
                catalogue,
                DCTERMS.modified,
                Literal(timezone.localtime(max(latest)).isoformat(), datatype=XSD.dateTime),
            )
        )
    return graph
