"""The performance benchmark: `make bench`.

It creates a PostgreSQL database of its own (grant_decisions_bench, dropped at the end),
migrates it, loads the demo and generates published decisions with
tests/bench/generate.py: 10,000, measured, then grown to 100,000 and measured again. At
each size it counts each page's SQL queries, serves the app with gunicorn (production
settings and the benchmark's URLconf, 2 workers) and loads it from a second process,
with wrk where it is installed and otherwise tests/bench/loadgen.py:

1. with the page cache off (every request renders its page: "first render"): the
   plaintext view (13 bytes, the ceiling for any Django response here), the reference
   view (a straightforward Django list page), the register list, a search, a filtered
   list and a decision's page, in turns; then a few full downloads of the CSV export of
   every decision, one after another, each timed to its last byte, with the workers'
   peak memory before and after;
2. with the page cache on (Django's cache: local memory, or Redis when REDIS_URL is
   set), repeat requests of the same published pages.

At each size it also fetches a decision's page once asking for brotli, once for gzip
and once for neither, and reports its bytes on the wire (target: under 15 KB compressed).

Then, at 100,000, it imports 2,000 of the earlier register's decisions with a PDF each
(`manage.py import_decisions`, tests/bench/historic.py; target under 60 s).

It prints the tables, with each figure's ratio to the reference and plaintext views, what
each page keeps at 100,000 of its throughput at 10,000, and the SQL queries per request
at both sizes, and writes them to tests/bench/results.md (keeping anything below the
"Findings" heading). A page that completes no request in its time misses its target.

Environment: BENCH_POSTGRES (postgres://postgres@127.0.0.1:5432), BENCH_DATABASE,
BENCH_PORT (8765), BENCH_SECONDS (8 a scenario), BENCH_CONNECTIONS (4),
BENCH_KEEP_DATABASE=1 to keep the database afterwards.
"""

import datetime
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.report import (
    CONNECTIONS,
    ENCODINGS,
    LARGE,
    RESULTS,
    ROOT,
    SIZES,
    SMALL,
    Scenario,
    _seconds,
    machine,
    tables,
    versions,
    wire_table,
    write_results,
)

SERVER_LOG = ROOT / "tests" / "bench" / "server.log"

POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = os.environ.get("BENCH_DATABASE", "grant_decisions_bench")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
# Each page's seconds are split into rounds, taken in turns with the other pages', so a
# change in the shared machine's speed during the run falls on every page alike.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
WORKERS = 2

SEARCH = "/decisions/?q=knife"
FILTERED = "/decisions/?funder=Home+Office&year=2023%2F24&outcome=approved"
# CSV: full downloads of every row, one after another, each allowed this long.
CSV_DOWNLOADS = int(os.environ.get("BENCH_CSV_DOWNLOADS", "3"))
CSV_TIMEOUT = 120.0


# ---- The database --------------------------------------------------------------------


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def recreate_database() -> None:
    _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


# ---- Settings and static files -------------------------------------------------------


def server_environment(static_root: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # Plain HTTP on 127.0.0.1: no proxy terminates TLS here.
        "SECURE_SSL_REDIRECT": "false",
        "SITE_URL": f"http://127.0.0.1:{PORT}",
        "BENCH_STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def collect_static(env: dict[str, str]) -> str:
    """collectstatic as production does; if the hashed-names build fails (a stylesheet
    naming a file that is not built), plain names, and the reason is noted."""
    command = [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode == 0:
        return ""
    lines = done.stderr.strip().splitlines() or ["unknown"]
    reason = next((line for line in lines if "Error:" in line), lines[-1])
    env["STATICFILES_BACKEND"] = "whitenoise.storage.CompressedStaticFilesStorage"
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return f"collectstatic with hashed names failed ({reason}); plain names were used."


# ---- Queries a request ----------------------------------------------------------------


def count_queries(scenarios: list[Scenario], decisions: int) -> None:
    """Each page's SQL queries, from Django's test client in this process (with the
    benchmark's URLconf): a first render after the cache is emptied, or for a cached
    page a repeat request. Every request reads the register's version."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    for scenario in scenarios:
        cache.clear()
        if scenario.cached:
            client.get(scenario.path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(scenario.path)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, (scenario.path, response.status_code)
        scenario.queries[decisions] = len(captured.captured_queries)


# ---- The server and the load ------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in children.split()]


def memory_mb(pid: int) -> dict[str, float]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return values


class Server:
    def __init__(self, env: dict[str, str], *, page_cache: bool):
        self.env = {**env, "BENCH_PAGE_CACHE": "on" if page_cache else "off"}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ]
        log = SERVER_LOG.open("a")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: see {SERVER_LOG}")
            try:
                if get("/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz within 30 seconds")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def memory(self) -> list[dict[str, float]]:
        return [memory_mb(pid) for pid in worker_pids(self.process.pid)]


def get(path: str, timeout: float = 30) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wire_bytes(path: str, accept: str) -> dict:
    """One fetch of the page as a browser asking for `accept` gets it: its status, the
    encoding sent, and its bytes as sent (not decompressed), alone and with the status
    line and headers."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": accept})
        response = connection.getresponse()
        body = response.read()
        head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + 2
        head += sum(len(f"{name}: {value}\r\n") for name, value in response.getheaders())
        return {
            "status": response.status,
            "encoding": response.getheader("Content-Encoding") or "identity",
            "body": len(body),
            "total": head + len(body),
        }
    finally:
        connection.close()


def measure_wire(path: str) -> dict[str, dict]:
    return {accept: wire_bytes(path, accept) for accept in ENCODINGS}


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def load_with_wrk(path: str, connections: int, seconds: float) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    done = subprocess.run(
        [*command, f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    return parse_wrk(done.stdout, seconds)


def parse_wrk(out: str, seconds: float) -> dict:
    """wrk's report (with --latency) as the figures the table needs. With no request
    completed there are no latencies: None."""
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    requests = int(re.search(r"(\d+) requests in", out)[1])
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]) if requests else 0.0
    return {
        "requests": requests,
        "seconds": requests / rps if rps else seconds,
        "rps": rps,
        "p50_ms": _wrk_ms(latency["50"]) if requests and "50" in latency else None,
        "p99_ms": _wrk_ms(latency["99"]) if requests and "99" in latency else None,
        "errors": sum(map(int, errors.groups())) if errors else 0,
        "non_2xx": int(bad[1]) if bad else 0,
    }


def load_with_python(path: str, connections: int, seconds: float) -> dict:
    command = [
        sys.executable,
        str(ROOT / "tests" / "bench" / "loadgen.py"),
        f"--port={PORT}",
        f"--path={path}",
        f"--connections={connections}",
        f"--duration={seconds:g}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    result["non_2xx"] = sum(n for status, n in result["statuses"].items() if status[0] != "2")
    return result


def warm_up(scenario: Scenario) -> None:
    for _ in range(2 * WORKERS):  # Each worker has rendered it (and cached it) once.
        status, _body = get(scenario.path)
        assert status == 200, (scenario.path, status)


def measure_round(scenario: Scenario, load, decisions: int) -> None:
    """One turn. Failed or timed-out requests are kept, not raised: the page misses its
    target."""
    result = load(scenario.path, scenario.connections, SECONDS / ROUNDS)
    scenario.rounds.setdefault(decisions, []).append(result)


def combine(rounds: list[dict]) -> dict:
    """One figure from a page's rounds: all its requests over all its seconds; the
    median round's p50 and the worst round's p99 (None when no round completed a
    request), and every failed request."""
    requests = sum(r["requests"] for r in rounds)
    seconds = sum(r["seconds"] for r in rounds)
    p50s = sorted(r["p50_ms"] for r in rounds if r.get("p50_ms") is not None)
    p99s = [r["p99_ms"] for r in rounds if r.get("p99_ms") is not None]
    return {
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds if seconds else 0.0,
        "p50_ms": p50s[len(p50s) // 2] if p50s else None,
        "p99_ms": max(p99s) if p99s else None,
        "errors": sum(r.get("errors", 0) for r in rounds),
        "non_2xx": sum(r.get("non_2xx", 0) for r in rounds),
    }


def measure_in_turns(scenarios: list[Scenario], load, decisions: int) -> None:
    """Every scenario for SECONDS in all, in ROUNDS turns."""
    for scenario in scenarios:
        warm_up(scenario)
    for _number in range(ROUNDS):
        for scenario in scenarios:
            measure_round(scenario, load, decisions)
    for scenario in scenarios:
        scenario.results[decisions] = combine(scenario.rounds[decisions])


def csv_rows(body: bytes) -> int:
    """Data rows in a CSV export: its lines, less the header (no field holds a line
    break in the generated decisions)."""
    return body.count(b"\n") - 1


def csv_figures(downloads: list[dict], before: list[dict], after: list[dict]) -> dict:
    """A CSV export's downloads (each {"seconds", "rows", "status"}, seconds None when
    it failed or timed out) and the workers' memory before and after them, as figures
    for the tables."""
    done = [d for d in downloads if d["seconds"] is not None and d["status"] == 200]
    seconds = sorted(d["seconds"] for d in done)
    rows = max((d["rows"] for d in done), default=0)
    growth = [a.get("VmHWM", 0) - b.get("VmHWM", 0) for a, b in zip(after, before, strict=False)]
    median = seconds[len(seconds) // 2] if seconds else None
    return {
        "downloads": len(downloads),
        "completed": len(done),
        "rows": rows,
        "median_s": median,
        "worst_s": seconds[-1] if seconds else None,
        "us_per_row": median / rows * 1e6 if median and rows else None,
        "growth_mb": max(growth, default=0.0),
        "memory": ", ".join(
            f"{b.get('VmHWM', 0):.0f} → {a.get('VmHWM', 0):.0f} MB"
            for a, b in zip(after, before, strict=False)
        ),
    }


def measure_csv(scenario: Scenario, server: "Server", decisions: int) -> None:
    """CSV_DOWNLOADS full downloads of the export, one after another, each timed to its
    last byte (CSV_TIMEOUT at most), with each worker's peak memory before and after."""
    before = server.memory()
    downloads = []
    for _ in range(CSV_DOWNLOADS):
        began = time.perf_counter()
        try:
            status, body = get(scenario.path, timeout=CSV_TIMEOUT)
        except OSError:
            downloads.append({"seconds": None, "rows": 0, "status": None})
            continue
        elapsed = time.perf_counter() - began
        rows = csv_rows(body)
        ok = status == 200 and rows == decisions
        downloads.append({"seconds": elapsed if ok else None, "rows": rows, "status": status})
    scenario.results[decisions] = csv_figures(downloads, before, server.memory())


# ---- The run ------------------------------------------------------------------------------


def scenarios_for(detail: str) -> tuple[list[Scenario], Scenario, list[Scenario]]:
    first = [
        Scenario("Plaintext (13 bytes)", "/bench/plaintext", cached=False),
        Scenario("Reference list view", "/bench/reference/", cached=False),
        Scenario("Register list", "/decisions/", cached=False, target="reference"),
        Scenario("Search", SEARCH, cached=False, target="reference"),
        Scenario("Filtered list", FILTERED, cached=False, target="reference"),
        Scenario("Decision page", detail, cached=False, target="reference"),
    ]
    export = Scenario("CSV export, every row", "/decisions.csv", cached=False, target="csv")
    repeat = [
        Scenario("Register list", "/decisions/", cached=True, target="plaintext"),
        Scenario("Search", SEARCH, cached=True, target="plaintext"),
        Scenario("Filtered list", FILTERED, cached=True, target="plaintext"),
        Scenario("Decision page", detail, cached=True, target="plaintext"),
    ]
    return first, export, repeat


def measure(env, load, first, export, repeat, decisions: int, notes: dict, wire: dict) -> None:
    print(f"Measuring at {decisions:,} decisions, {SECONDS:g} s a page…")
    with Server(env, page_cache=False) as server:
        detail = next(s for s in first if s.name == "Decision page").path
        wire[decisions] = measure_wire(detail)
        sizes = ", ".join(f"{name} {sent['total']:,} B" for name, sent in wire[decisions].items())
        print(f"  Decision page on the wire: {sizes}")
        measure_in_turns(first, load, decisions)
        for scenario in first:
            print(f"  {scenario.name}: {scenario.results[decisions]['rps']:,.0f} req/s")
        measure_csv(export, server, decisions)
        csv = export.results[decisions]
        print(f"  {export.name}: {_seconds(csv['median_s'])} s ({csv['memory']})")
    with Server(env, page_cache=True):
        measure_in_turns(repeat, load, decisions)
        for scenario in repeat:
            rps = scenario.results[decisions]["rps"]
            print(f"  {scenario.name}, cached: {rps:,.0f} req/s")
    notes[decisions] = os.getloadavg()[0]


def main() -> int:
    began = time.monotonic()
    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()
    if shutil.which("wrk"):
        load, generator = load_with_wrk, "wrk (1 thread)"
    else:
        print("wrk is not installed: the Python load generator (tests/bench/loadgen.py) is used.")
        load, generator = load_with_python, "tests/bench/loadgen.py (Python threads)"

    static_root = tempfile.mkdtemp(prefix="grant-decisions-bench-static-")
    env = server_environment(static_root)
    print(f"Creating the database {DATABASE} and collecting static files…")
    recreate_database()
    static_note = collect_static(env)
    # This process counts queries with local memory caching, whatever REDIS_URL says:
    # clearing the cache here must never empty a shared Redis.
    os.environ.update({k: v for k, v in env.items() if k != "REDIS_URL"})
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from tests.bench import documents as bench_documents
    from tests.bench import generate
    from tests.bench import historic as bench_historic

    generated_in, load_after, wire = {}, {}, {}
    try:
        call_command("migrate", verbosity=0)
        first = export = repeat = documents = None
        for size in SIZES:
            print(f"Generating {size:,} published decisions…")
            made_at = time.monotonic()
            generate.extend_to(size)
            generate.analyse()
            generated_in[size] = time.monotonic() - made_at
            if first is None:
                # The same decision's page at both sizes: halfway down at the first.
                detail = f"/decisions/{generate.middle_slug()}/"
                first, export, repeat = scenarios_for(detail)
                db_versions = versions()
            if documents is None:
                print("Drawing the seed's decision form…")
                documents = bench_documents.measure()
            count_queries([*first[1:], export, *repeat], size)
            first[0].queries[size] = 0
            connections.close_all()
            measure(env, load, first, export, repeat, size, load_after, wire)
        print(f"Importing {bench_historic.ROWS:,} decisions of the earlier register…")
        historic = bench_historic.measure()
    finally:
        if os.environ.get("BENCH_KEEP_DATABASE") != "1":
            drop_database()
        shutil.rmtree(static_root, ignore_errors=True)

    scenarios = [*first, export, *repeat]
    cache_backend = "Redis (REDIS_URL)" if env.get("REDIS_URL") else "local memory"
    memory = "; ".join(f"at {size:,}: {export.results[size]['memory']}" for size in SIZES)
    report = f"""# Benchmark results

Written by `make bench` (tests/bench/run.py) on {started:%Y-%m-%d %H:%M} UTC.

- Machine: {machine()}
- Software: {db_versions}
- Server: gunicorn, {WORKERS} sync workers, production settings (DEBUG off,
  CONN_MAX_AGE 600) with the benchmark's URLconf (tests.bench.settings),
  SECURE_SSL_REDIRECT off for plain HTTP on 127.0.0.1; page cache: {cache_backend}
- Load: {generator}, {CONNECTIONS} connections, {SECONDS:g} s a page in {ROUNDS} turns of
  {SECONDS / ROUNDS:g} s, taken in turn with the other pages', from a second process on
  the same machine. CSV export: {CSV_DOWNLOADS} full downloads one after another, each
  timed to its last byte ({CSV_TIMEOUT:g} s allowed)
- Data: {SMALL:,} published decisions, generated in {generated_in[SMALL]:.1f} s, measured;
  then grown to {LARGE:,} in {generated_in[LARGE]:.1f} s, measured
- Load average at the start, after {SMALL:,} and after {LARGE:,}: {load_before[0]:.2f},
  {load_after[SMALL]:.2f}, {load_after[LARGE]:.2f} (other work on the machine shares its
  {os.cpu_count()} cores)
- CSV export: each gunicorn worker's peak memory (VmHWM) before and after the downloads,
  {memory}
- Run time: {time.monotonic() - began:.0f} s
{f"- Static files: {static_note}" if static_note else ""}

"First render": the cache of rendered pages is off (a dummy), so every request draws its
page and reads its rows from the database; the register's version and the facts kept for
it (filter options, counts) come from Django's cache, as in production. "Cached": repeat
requests of the same published page, served from the cache of rendered pages. Ratios are
to the reference list view (20 rows of the publications table joined to the decisions
table, a COUNT for the paginator, a plain template, no caching) and to
the plaintext view (13 bytes), at the same size. "Kept": a page's first-render
throughput at {LARGE:,} as a share of its throughput at {SMALL:,} (for the CSV export, its
time a row at {SMALL:,} over its time a row at {LARGE:,}). SQL queries are a request's,
counted with Django's test client at each size. A page that completed no request in its
turns, or had a failed one, misses its target.

{tables(scenarios)}

{wire_table(detail, wire)}

{bench_documents.table(documents)}

{bench_historic.table(historic)}
"""
    report = re.sub(r"\n{3,}", "\n\n", report)
    print()
    print(tables(scenarios))
    print(wire_table(detail, wire))
    print(bench_documents.table(documents))
    print(bench_historic.table(historic))
    write_results(report)
    print(f"\nWritten to {RESULTS.relative_to(ROOT)} in {time.monotonic() - began:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
