"""The open data describes itself: /decisions/datapackage.json is a Frictionless Data
Package whose Table Schema the CSV passes (checked with the real `frictionless validate`
command), /decisions.json's metadata says the same, and the Atom feed parses cleanly."""

import copy
import datetime
import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from shutil import which

import feedparser
import frictionless
import pytest
from django.db.models import Max
from django.urls import reverse

from approvals.models import Publication, PublishedRevision
from approvals.publication import services as publishing
from approvals.publication.historic import import_decisions
from tests.factories import make_case
from tests.publication.historic_files import historic_row, write_import
from tests.workflow import decide_each, publish, to_ready

pytestmark = pytest.mark.django_db

# Everything a CSV writer must quote, and text beyond ASCII.
AWKWARD_TITLE = 'Knife crime, "county lines"\nand Ōtautahi – café money £'
SITE = "https://decisions.example.org"
OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def frictionless_command() -> str:
    """The venv's `frictionless`, next to this Python, or the one on the PATH. It is a
    development dependency: its absence is a failure, never a skip."""
    beside = Path(sys.executable).with_name("frictionless")
    command = str(beside) if beside.exists() else which("frictionless")
    assert command, "frictionless is not installed: it is a development dependency"
    return command


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def partly_approved(people) -> Publication:
    case = make_case(people.manager, title="Violence reduction – partly")
    case.recommendations.create(position=2, text="Accept future offers.")
    to_ready(case, people)
    decision = decide_each(case, people, {1: True, 2: False})
    publishing.publish_now(decision.publication, by=people.publisher)
    return Publication.objects.get(pk=decision.publication.pk)


@pytest.fixture
def register(people, tmp_path, settings):
    """Published decisions of every kind the open data has: approved (with an awkward
    title), partly approved, rejected, and imported records, one with every fact and one
    with only the required ones."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = SITE
    approved = publish(people, title=AWKWARD_TITLE)
    partly = partly_approved(people)
    rejected = publish(people, title="=Rejected, with a formula", outcome="reject")
    path, _ = write_import(
        tmp_path,
        [
            historic_row(1201, title="Organised crime – Ärger, «quoted»"),
            historic_row(
                "880",
                reference="CEOD 880",
                title="A decision of the chief executive",
                outcome="",
                funders="",
                total_grant_amount="",
                financial_years="",
                date_signed="12/03/2018",
                date_published="2018-03-20",
            ),
        ],
        pdfs=False,
    )
    import_decisions(path.read_bytes(), source=path.name)
    return {"approved": approved, "partly": partly, "rejected": rejected}


def test_the_data_package_describes_the_csv_with_its_schema_and_licence(client, register):
    response = client.get("/decisions/datapackage.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    package = json.loads(response.content)
    assert package["name"] == "mopac-grant-decisions"
    assert package["title"] and package["description"]
    licence = {"name": "OGL-UK-3.0", "path": OGL, "title": "Open Government Licence v3.0"}
    assert package["licenses"] == [licence]
    assert package["homepage"] == "https://decisions.example.org/decisions/"
    # The register last changed when the historic records were imported, after the
    # decisions made here were published: the package's data came to be then. (The
    # imported decisions' own publication dates are years before.)
    changed = PublishedRevision.objects.aggregate(latest=Max("published_at"))["latest"]
    imported = PublishedRevision.objects.filter(publication__imported=True)
    assert set(imported.values_list("published_at", flat=True)) == {changed}
    assert datetime.datetime.fromisoformat(package["created"]) == changed.replace(microsecond=0)
    assert package["updated"] == package["created"]
    [resource] = package["resources"]
    assert resource["path"] == SITE + "/decisions.csv"
    assert (resource["format"], resource["mediatype"], resource["encoding"]) == (
        "csv",
        "text/csv",
        "utf-8",
    )
    fields = resource["schema"]["fields"]
    assert [field["name"] for field in fields] == [
        "reference",
        "title",
        "outcome",
        "decision_date",
        "published_at",
        "funders",
        "total_grant_amount",
        "financial_years",
        "url",
    ]
    by_name = {field["name"]: field for field in fields}
    assert by_name["outcome"]["constraints"]["enum"] == ["approved", "partly approved", "rejected"]
    assert by_name["decision_date"]["type"] == "date"
    assert by_name["published_at"]["type"] == "datetime"
    assert all(field["description"] for field in fields)
    assert resource["schema"]["missingValues"] == [""]


def test_the_data_package_and_the_json_describe_the_same_fields(client, register):
    package = json.loads(client.get("/decisions/datapackage.json").content)
    document = json.loads(body(client.get("/decisions.json")))
    metadata = document["metadata"]
    assert metadata["fields"] == package["resources"][0]["schema"]["fields"]
    assert metadata["licence"] == package["licenses"][0]
    assert metadata["count"] == len(document["decisions"]) == 5
    assert metadata["filters"] == {}
    assert metadata["data_package"] == SITE + "/decisions/datapackage.json"
    generated = datetime.datetime.fromisoformat(metadata["generated_at"])
    assert abs(generated - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=1)
    # Each row has exactly the fields the metadata describes, in its order.
    names = [field["name"] for field in metadata["fields"]]
    assert all(list(row) == names for row in document["decisions"])


@pytest.mark.parametrize(
    ("params", "count"),
    [({"outcome": "rejected"}, 1), ({"q": "crime"}, 2), ({"year": "2019/20"}, 1), ({}, 5)],
)
def test_the_json_count_is_of_the_rows_that_match_its_filters(client, register, params, count):
    document = json.loads(body(client.get("/decisions.json", params)))
    assert document["metadata"]["count"] == len(document["decisions"]) == count
    assert document["metadata"]["filters"] == params


def test_the_data_package_is_cached_by_the_registers_version(client, register, people):
    first = client.get("/decisions/datapackage.json")
    assert set(first["Cache-Control"].split(", ")) == {"public", "max-age=300"}
    again = client.get("/decisions/datapackage.json", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert client.get("/decisions.json")["ETag"] == first["ETag"]
    newest = publish(people, title="Newly published")
    changed = client.get("/decisions/datapackage.json", headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    created = datetime.datetime.fromisoformat(json.loads(changed.content)["created"])
    assert created == newest.published_at.replace(microsecond=0)


def test_with_nothing_published_the_package_is_still_valid(client, db):
    package = json.loads(client.get("/decisions/datapackage.json").content)
    assert "created" not in package
    report = frictionless.Package.validate_descriptor(package)
    assert report.valid, report.flatten(["type", "note"])


def test_the_data_package_refuses_to_be_posted_to(client, db):
    assert client.post("/decisions/datapackage.json").status_code == 405


# ---- Outside validators -----------------------------------------------------------------


@pytest.fixture
def served(live_server, settings, register):
    """The register served by a live server whose SITE_URL it is, so the package's
    resource path is fetched from it."""
    settings.SITE_URL = live_server.url
    return live_server.url


def test_frictionless_validate_passes_the_served_package(served):
    url = f"{served}/decisions/datapackage.json"
    done = subprocess.run(
        [frictionless_command(), "validate", "--json", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["valid"] is True, done.stdout
    [task] = report["tasks"]
    assert task["stats"]["rows"] == 5
    assert task["place"] == f"{served}/decisions.csv"


def test_a_package_whose_schema_differs_from_the_csv_fails_validation(served):
    """The check above can fail: the same package, with one field renamed or a type the
    CSV does not hold, is invalid."""
    with urllib.request.urlopen(f"{served}/decisions/datapackage.json") as response:
        package = json.loads(response.read())
    assert frictionless.validate(copy.deepcopy(package)).valid

    renamed = copy.deepcopy(package)
    renamed["resources"][0]["schema"]["fields"][2]["name"] = "decision"
    report = frictionless.validate(renamed)
    assert not report.valid
    assert "incorrect-label" in {error.type for error in report.tasks[0].errors}

    wrong_type = copy.deepcopy(package)
    wrong_type["resources"][0]["schema"]["fields"][1]["type"] = "integer"  # the title
    assert not frictionless.validate(wrong_type).valid

    required = copy.deepcopy(package)
    required["resources"][0]["schema"]["fields"][2]["constraints"]["required"] = True
    # CEOD 880 has no outcome.
    assert not frictionless.validate(required).valid


def test_the_frictionless_command_fails_a_package_whose_schema_is_wrong(served, tmp_path):
    with urllib.request.urlopen(f"{served}/decisions/datapackage.json") as response:
        package = json.loads(response.read())
    package["resources"][0]["schema"]["fields"][0]["name"] = "ref"
    tampered = tmp_path / "datapackage.json"
    tampered.write_text(json.dumps(package))
    done = subprocess.run(
        [frictionless_command(), "validate", "--json", str(tampered)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode != 0
    assert json.loads(done.stdout)["valid"] is False


def test_the_feed_parses_with_no_errors_and_links_to_each_decisions_page(client, register):
    response = client.get("/decisions/feed/")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    published = Publication.objects.published().order_by("-published_at", "-id")
    site = SITE
    expected = [site + reverse("decision", kwargs={"slug": p.slug}) for p in published]
    assert [entry.link for entry in feed.entries] == expected
    assert all(entry.link.startswith(("https://", "http://")) for entry in feed.entries)
    assert feed.feed.link == site + "/decisions/"
    titles = [entry.title for entry in feed.entries]
    assert f"{register['approved'].reference}: {AWKWARD_TITLE}" in titles
