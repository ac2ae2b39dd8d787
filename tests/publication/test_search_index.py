import pytest
from django.db import connection

from approvals.models import Publication
from approvals.publication.register import search

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search"),
]


def test_register_search_can_use_the_full_text_index():
    sql, params = search(Publication.objects.all(), "organised crime").query.sql_with_params()
    with connection.cursor() as cursor:
        # With so few rows the planner would scan the table; ask what it would do at scale.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on publication_search_vector" in plan
