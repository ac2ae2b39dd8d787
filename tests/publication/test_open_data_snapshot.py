"""/decisions.json's count and rows come from one snapshot of the database: a decision
published by someone else while the file streams is in neither. Snapshots held by a
streaming cursor while another connection writes are PostgreSQL's, so this runs there."""

import json
import threading

import pytest
from django.db import connection

from approvals.publication import register as reg
from tests.workflow import bulk_publish, publish

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's streaming cursors"
    ),
]


def published_elsewhere(template, rows: list[dict]) -> None:
    """Publish more decisions on another connection, committed before this returns."""

    def work():
        try:
            bulk_publish(template, rows)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=60)


def test_a_decision_published_while_the_json_streams_is_in_neither_count_nor_rows(
    client, people, monkeypatch
):
    first = publish(people, title="First")
    publish(people, title="Second")
    monkeypatch.setattr(reg, "EXPORT_CHUNK_ROWS", 1)
    monkeypatch.setattr(reg, "EXPORT_CHUNK_BYTES", 1)
    response = client.get("/decisions.json")
    chunks = iter(response.streaming_content)
    head = next(chunks)  # The metadata: the count and the first row have been read.
    assert b'"count": 2' in head
    # Newer than both, so they would be among the first rows the file has left to send.
    later = first.published_at.replace(year=first.published_at.year + 1)
    published_elsewhere(first, [{"published_at": later, "title": "Published meanwhile"}])
    document = json.loads(head + b"".join(chunks))
    assert document["metadata"]["count"] == len(document["decisions"]) == 2
    assert "Published meanwhile" not in {row["title"] for row in document["decisions"]}
    # The next download has it, counted.
    again = json.loads(b"".join(client.get("/decisions.json").streaming_content))
    assert again["metadata"]["count"] == len(again["decisions"]) == 3
