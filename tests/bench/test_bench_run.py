"""The benchmark's own arithmetic (tests/bench/run.py): reading wrk's report, combining a
page's turns, and the tables and verdicts it writes. Nothing here times anything."""

import pytest

from tests.bench.report import LARGE, SMALL, Scenario, retention_table, size_table
from tests.bench.run import combine, csv_figures, csv_rows, parse_wrk

WRK_REPORT = """Running 2s test @ http://127.0.0.1:8765/decisions/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.12ms    1.01ms  20.30ms   90.00%
    Req/Sec   780.50     40.10     0.85k    70.00%
  Latency Distribution
     50%    4.90ms
     75%    5.40ms
     90%    6.10ms
     99%    1.02s
  1561 requests in 2.00s, 60.12MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    780.50
Transfer/sec:     30.06MB
"""


def test_a_wrk_report_is_read():
    result = parse_wrk(WRK_REPORT, 2.0)
    assert result["requests"] == 1561
    assert result["rps"] == 780.5
    assert result["seconds"] == pytest.approx(1561 / 780.5)
    assert result["p50_ms"] == 4.9
    assert result["p99_ms"] == 1020.0
    assert result["errors"] == 3
    assert result["non_2xx"] == 4


def test_a_clean_wrk_report_has_no_errors():
    clean = "\n".join(
        line for line in WRK_REPORT.splitlines() if "errors" not in line and "Non-2xx" not in line
    )
    result = parse_wrk(clean, 2.0)
    assert (result["errors"], result["non_2xx"]) == (0, 0)


def test_turns_combine_into_all_requests_over_all_seconds():
    turns = [
        {"requests": 100, "seconds": 2.0, "p50_ms": 9.0, "p99_ms": 30.0},
        {"requests": 300, "seconds": 2.0, "p50_ms": 5.0, "p99_ms": 12.0},
        {"requests": 200, "seconds": 2.0, "p50_ms": 7.0, "p99_ms": 50.0},
    ]
    result = combine(turns)
    assert result["requests"] == 600
    assert result["rps"] == 100.0
    assert result["p50_ms"] == 7.0  # the median turn's
    assert result["p99_ms"] == 50.0  # the worst turn's


# ---- The report ---------------------------------------------------------------------------

NO_REQUESTS = """Running 2s test @ http://127.0.0.1:8765/decisions.csv
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00      -nan%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  0 requests in 2.00s, 0.00B read
  Socket errors: connect 0, read 0, write 0, timeout 2
Requests/sec:      0.00
Transfer/sec:       0.00B
"""


def test_a_turn_with_no_request_completed_has_no_latencies():
    result = parse_wrk(NO_REQUESTS, 2.0)
    assert (result["requests"], result["rps"], result["seconds"]) == (0, 0.0, 2.0)
    assert result["p50_ms"] is None and result["p99_ms"] is None
    assert result["errors"] == 2
    combined = combine([result, result])
    assert (combined["requests"], combined["rps"]) == (0, 0.0)
    assert combined["p50_ms"] is None and combined["p99_ms"] is None


def figures(rps: float, requests: int = 100, **extra) -> dict:
    return {
        "requests": requests,
        "seconds": 8.0,
        "rps": rps,
        "p50_ms": 5.0,
        "p99_ms": 9.0,
        "errors": 0,
        "non_2xx": 0,
        **extra,
    }


def csv_result(median: float, rows: int, *, completed: int = 3, growth: float = 2.0) -> dict:
    return {
        "downloads": 3,
        "completed": completed,
        "rows": rows,
        "median_s": median if completed else None,
        "worst_s": median * 1.1 if completed else None,
        "us_per_row": median / rows * 1e6 if completed else None,
        "growth_mb": growth,
        "memory": "90 → 92 MB",
    }


def scenarios(*, list_large: dict | None = None, csv_large: dict | None = None):
    plaintext = Scenario("Plaintext (13 bytes)", "/bench/plaintext", cached=False)
    reference = Scenario("Reference list view", "/bench/reference/", cached=False)
    listing = Scenario("Register list", "/decisions/", cached=False, target="reference")
    export = Scenario("CSV export, every row", "/decisions.csv", cached=False, target="csv")
    cached = Scenario("Register list", "/decisions/", cached=True, target="plaintext")
    plaintext.results = {SMALL: figures(2000), LARGE: figures(2000)}
    reference.results = {SMALL: figures(200), LARGE: figures(150)}
    listing.results = {SMALL: figures(300), LARGE: list_large or figures(270)}
    export.results = {SMALL: csv_result(0.15, SMALL), LARGE: csv_large or csv_result(1.6, LARGE)}
    cached.results = {SMALL: figures(1500), LARGE: figures(1400)}
    for scenario, queries in ((plaintext, 0), (reference, 2), (listing, 4), (export, 3)):
        scenario.queries = {SMALL: queries, LARGE: queries}
    cached.queries = {SMALL: 1, LARGE: 1}
    return [plaintext, reference, listing, export, cached]


def row(table: str, start: str) -> list[str]:
    line = next(line for line in table.splitlines() if line.startswith(f"| {start}"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_the_retention_table_gives_both_sizes_what_is_kept_and_the_queries():
    table = retention_table(scenarios())
    listing = row(table, "Register list")
    assert listing[1:5] == ["300 req/s", "270 req/s", "90%", "4 / 4"]
    assert listing[5] == "≥ 85%, same queries: met"
    export = row(table, "CSV export")
    assert export[1] == "15.0 µs a row (0.15 s)"
    assert export[2] == "16.0 µs a row (1.60 s)"
    assert export[3] == "94%"
    assert row(table, "Plaintext")[3:] == ["100%", "0 / 0", ""]
    # Cached pages are not compared across sizes.
    assert sum(line.startswith("| Register list") for line in table.splitlines()) == 1


def test_less_than_85_percent_kept_or_more_queries_is_missed():
    slower = scenarios(list_large=figures(250))
    assert row(retention_table(slower), "Register list")[3:5] == ["83%", "4 / 4"]
    assert row(retention_table(slower), "Register list")[5].endswith("MISSED")
    more = scenarios()
    more[2].queries[LARGE] = 5
    assert row(retention_table(more), "Register list")[4] == "4 / 5 (grows)"
    assert row(retention_table(more), "Register list")[5].endswith("MISSED")


def test_a_page_that_completed_no_request_misses_its_target():
    stalled = scenarios(list_large=figures(0.0, requests=0, p50_ms=None, p99_ms=None))
    table = size_table(stalled, LARGE)
    assert row(table, "Register list (")[-1] == "≥ 1.0× reference: MISSED (no request completed)"
    assert row(retention_table(stalled), "Register list")[3] == "0%"
    assert row(retention_table(stalled), "Register list")[5].endswith("MISSED")


def test_the_csv_export_is_judged_by_its_full_downloads():
    met = size_table(scenarios(), LARGE)
    assert row(met, "CSV export")[1] == "3 full downloads of 100,000 rows"
    assert row(met, "CSV export")[-1] == "< 5 s, flat memory: met"
    assert row(size_table(scenarios(), SMALL), "CSV export")[-1] == "< 2 s, flat memory: met"
    slow = size_table(scenarios(csv_large=csv_result(6.0, LARGE)), LARGE)
    assert row(slow, "CSV export")[-1] == "< 5 s, flat memory: MISSED"
    growing = size_table(scenarios(csv_large=csv_result(1.6, LARGE, growth=50.0)), LARGE)
    assert row(growing, "CSV export")[-1] == "< 5 s, flat memory: MISSED"
    none = scenarios(csv_large=csv_result(0, 0, completed=0))
    assert row(size_table(none, LARGE), "CSV export")[-1] == (
        "< 5 s, flat memory: MISSED (0 of 3 downloads completed)"
    )
    assert row(retention_table(none), "CSV export")[3] == "—"


def test_csv_figures_count_only_complete_downloads():
    downloads = [
        {"seconds": 1.0, "rows": 1000, "status": 200},
        {"seconds": 3.0, "rows": 1000, "status": 200},
        {"seconds": None, "rows": 10, "status": 200},
    ]
    before = [{"VmHWM": 90.0}, {"VmHWM": 95.0}]
    after = [{"VmHWM": 92.0}, {"VmHWM": 99.0}]
    result = csv_figures(downloads, before, after)
    assert (result["downloads"], result["completed"], result["rows"]) == (3, 2, 1000)
    assert (result["median_s"], result["worst_s"]) == (3.0, 3.0)
    assert result["us_per_row"] == 3000.0
    assert result["growth_mb"] == 4.0
    assert result["memory"] == "90 → 92 MB, 95 → 99 MB"
    assert csv_rows(b"reference,title\na,b\nc,d\n") == 2


# ---- The historic register's import -----------------------------------------------------


def test_the_historic_import_meets_its_target_only_with_every_row_and_nothing_changed():
    from tests.bench import historic

    assert historic.met(12.0, historic.ROWS, True)
    assert not historic.met(historic.TARGET_S, historic.ROWS, True)
    assert not historic.met(12.0, historic.ROWS - 1, True)
    assert not historic.met(12.0, historic.ROWS, False)
    result = {
        "rows": historic.ROWS,
        "pdf_kb": 877,
        "first_s": 61.0,
        "again_s": 7.0,
        "imported": historic.ROWS,
        "unchanged": True,
        "met": False,
    }
    assert "| 61.0 s, 2,000 imported | under 60 s, every row: **missed** |" in historic.table(
        result
    )


def test_the_historic_benchmarks_file_is_one_the_import_accepts(tmp_path):
    from approvals.publication.historic import read_rows
    from tests.bench import historic

    # Its dates, funders and years repeat every 360 rows.
    path = historic.build(tmp_path, count=360)
    rows = read_rows(path.read_bytes(), files=tmp_path / "pdfs")
    assert len(rows) == 360
    assert len({row.pdf_sha256 for row in rows}) == 360


# ---- The decision page's bytes on the wire ------------------------------------------------


def sent(encoding: str, body: int, total: int, status: int = 200) -> dict:
    return {"status": status, "encoding": encoding, "body": body, "total": total}


def test_the_wire_table_gives_each_encoding_at_each_size_against_15_kb():
    from tests.bench.report import wire_table

    wire = {
        size: {
            "br": sent("br", 9_800, 11_000),
            "gzip": sent("gzip", 12_100, 13_300),
            "identity": sent("identity", 59_000, 60_200),
        }
        for size in (SMALL, LARGE)
    }
    table = wire_table("/decisions/pcd-1/", wire)
    assert "`/decisions/pcd-1/`" in table.splitlines()[0]
    lines = [line for line in table.splitlines() if line.startswith("| 100,000")]
    assert [cell.strip() for cell in lines[0].strip("|").split("|")] == [
        "100,000",
        "br",
        "br",
        "9,800",
        "11,000",
        "< 15 KB: met",
    ]
    assert lines[1].endswith("| gzip | gzip | 12,100 | 13,300 | < 15 KB: met |")
    # Uncompressed is there to compare with: no target.
    assert lines[2].endswith("| identity | identity | 59,000 | 60,200 |  |")


def test_the_wire_target_is_missed_when_too_big_or_not_compressed_as_asked():
    from tests.bench.report import wire_verdict

    assert wire_verdict(sent("br", 14_000, 15_360), "br") == "< 15 KB: MISSED"
    assert wire_verdict(sent("br", 13_000, 15_359), "br") == "< 15 KB: met"
    assert wire_verdict(sent("identity", 500, 900), "gzip") == "< 15 KB: MISSED (sent identity)"
    assert wire_verdict(sent("br", 500, 900, status=404), "br") == "< 15 KB: MISSED (status 404)"


def test_the_bytes_on_the_wire_are_counted_as_sent_with_their_headers(monkeypatch):
    import gzip
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from tests.bench import run

    page = b"<p>A decision</p>" * 500
    packed = gzip.compress(page)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            compress = "gzip" in self.headers.get("Accept-Encoding", "")
            body = packed if compress else page
            self.send_response(200)
            if compress:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(run, "PORT", server.server_port)
    try:
        wire = run.measure_wire("/decisions/pcd-1/")
    finally:
        server.shutdown()
        server.server_close()
    assert wire["gzip"]["encoding"] == "gzip"
    assert wire["gzip"]["body"] == len(packed)
    assert wire["identity"] == {
        "status": 200,
        "encoding": "identity",
        "body": len(page),
        "total": wire["identity"]["total"],
    }
    assert len(page) + 50 < wire["identity"]["total"] < len(page) + 400
    # This server does not speak brotli: the fetch says so, and misses the target.
    assert wire["br"]["encoding"] == "identity"
