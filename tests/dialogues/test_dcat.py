"""The DCAT-AP-SE catalogue at /datasets/dcat, read back with a real RDF library."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as ns

from dialogues.summaries.dcat import VCARD
from dialogues.summaries.followup.services import insight_follow_up
from dialogues.summaries.models import InsightStatus
from tests.dialogues.factories import InsightFactory, SummaryFactory

pytestmark = pytest.mark.django_db

URL = "/datasets/dcat"
LICENSE = URIRef("http://creativecommons.org/licenses/by/4.0/")
SITE = "https://samverkan.example.se"


def _graph(client) -> Graph:
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rdf+xml")
    graph = Graph()
    graph.parse(data=response.content, format="xml")
    return graph


def _one(graph: Graph, subject, predicate):
    values = list(graph.objects(subject, predicate))
    assert values, (subject, predicate)
    return values[0]


@override_settings(
    SITE_URL=SITE,
    OPEN_DATA_PUBLISHER_URL="https://www.regionstockholm.se/",
    OPEN_DATA_PUBLISHER_NAME="Region Stockholm",
    OPEN_DATA_CONTACT_EMAIL="oppnadata@regionstockholm.se",
)
def test_the_catalogue_has_the_mandatory_classes_and_properties(client):
    """Catalogue, datasets, distributions, publisher and contact as DCAT-AP-SE asks."""
    InsightFactory()
    graph = _graph(client)

    catalogues = list(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))
    assert catalogues == [URIRef(SITE + URL)]
    catalogue = catalogues[0]
    for predicate in (
        ns.DCTERMS.title,
        ns.DCTERMS.description,
        ns.DCTERMS.publisher,
        ns.DCAT.dataset,
    ):
        _one(graph, catalogue, predicate)
    titles = {literal.language for literal in graph.objects(catalogue, ns.DCTERMS.title)}
    assert titles == {"sv", "en"}

    publisher = _one(graph, catalogue, ns.DCTERMS.publisher)
    assert publisher == URIRef("https://www.regionstockholm.se/")
    assert (publisher, ns.RDF.type, ns.FOAF.Agent) in graph
    assert _one(graph, publisher, ns.FOAF.name) == Literal("Region Stockholm", lang="sv")

    datasets = set(graph.objects(catalogue, ns.DCAT.dataset))
    assert datasets == set(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert len(datasets) == 2
    for dataset in datasets:
        for predicate in (
            ns.DCTERMS.title,
            ns.DCTERMS.description,
            ns.DCTERMS.publisher,
            ns.DCAT.contactPoint,
            ns.DCAT.distribution,
            ns.DCAT.theme,
        ):
            _one(graph, dataset, predicate)
        contact = _one(graph, dataset, ns.DCAT.contactPoint)
        assert (contact, ns.RDF.type, VCARD.Organization) in graph
        assert _one(graph, contact, VCARD.hasEmail) == URIRef("mailto:oppnadata@regionstockholm.se")
        _one(graph, contact, VCARD.fn)
        formats = set()
        for distribution in graph.objects(dataset, ns.DCAT.distribution):
            assert (distribution, ns.RDF.type, ns.DCAT.Distribution) in graph
            _one(graph, distribution, ns.DCAT.accessURL)
            _one(graph, distribution, ns.DCAT.mediaType)
            formats.add(str(_one(graph, distribution, ns.DCTERMS.format)).rsplit("/", 1)[-1])
            assert _one(graph, distribution, ns.DCTERMS.license) == LICENSE
        assert formats == {"CSV", "JSON"}


@override_settings(SITE_URL=SITE)
def test_only_absolute_iris_and_no_blank_nodes(client):
    graph = _graph(client)
    for triple in graph:
        for node in triple:
            assert not isinstance(node, BNode), triple
            if isinstance(node, URIRef):
                assert str(node).startswith(("https://", "http://", "mailto:")), node


@override_settings(SITE_URL="http://testserver")
def test_every_distribution_answers_with_its_media_type(client):
    """The download addresses in the catalogue are the exports, and they work."""
    InsightFactory(text="Biblioteken kan öppna sina lokaler.")
    graph = _graph(client)
    for distribution in graph.subjects(ns.RDF.type, ns.DCAT.Distribution):
        url = str(_one(graph, distribution, ns.DCAT.downloadURL))
        media = str(_one(graph, distribution, ns.DCAT.mediaType)).split("media-types/")[1]
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith(media), url


def test_the_catalogue_tells_nothing_of_drafts(client):
    """A draft summary's insight and its follow-up change neither the catalogue nor its dates."""
    before = client.get(URL).content
    draft = InsightFactory(text="Utkastets insikt", summary=SummaryFactory(published_at=None))
    insight_follow_up(
        insight=draft, status=InsightStatus.ACTED_ON, response="Hemligt svar", by=None
    )
    after = client.get(URL).content
    assert before == after
    assert b"Utkastets" not in after


def test_the_summary_exports_hold_published_summaries_only(client):
    SummaryFactory(title="Synlig sammanfattning")
    SummaryFactory(title="Hemligt utkast", published_at=None)
    data = json.loads(client.get("/sammanfattningar/export.json").content)
    assert [row["title"] for row in data["summaries"]] == ["Synlig sammanfattning"]
    csv_text = client.get("/sammanfattningar/export.csv").content.decode("utf-8-sig")
    assert "Synlig sammanfattning" in csv_text
    assert "Hemligt utkast" not in csv_text
