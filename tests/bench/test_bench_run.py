"""The benchmark's own arithmetic (tests/bench/run.py): reading wrk's report and combining a
page's turns."""

import pytest

from tests.bench.run import combine, parse_wrk

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
