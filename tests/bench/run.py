"""The performance benchmark: `make bench`.

It creates a PostgreSQL database of its own (grant_decisions_bench, dropped at the end),
migrates it, loads the demo and generates published decisions with tests/bench/generate.py:
first 100, to count each page's SQL queries, then 10,000. It serves the app with
gunicorn (production settings, 2 workers) and loads it from a second process, with wrk
where it is installed and otherwise tests/bench/loadgen.py:

1. with the page cache off (every request renders its page: "first render"): the
   plaintext view (13 bytes, the ceiling for any Django response here), the reference
   view (a straightforward Django list page), the register list, a search, a filtered
   list, a decision's page and the CSV export of all 10,000;
2. with the page cache on (Django's cache: local memory, or Redis when REDIS_URL is
   set), repeat requests of the same published pages.

It prints one table, with each figure's ratio to the reference and plaintext views and
the SQL queries per request at 100 and at 10,000 decisions, and writes it to
tests/bench/results.md (keeping anything below the "Findings" heading).

Environment: BENCH_POSTGRES (postgres://postgres@127.0.0.1:5432), BENCH_DATABASE,
BENCH_PORT (8765), BENCH_SECONDS (8 a scenario), BENCH_CONNECTIONS (4),
BENCH_KEEP_DATABASE=1 to keep the database afterwards.
"""

import datetime
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "bench" / "results.md"
SERVER_LOG = ROOT / "tests" / "bench" / "server.log"
FINDINGS_HEADING = "## Findings"

POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = os.environ.get("BENCH_DATABASE", "grant_decisions_bench")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
# Each page's seconds are split into rounds, taken in turns with the other pages', so a
# change in the shared machine's speed during the run falls on every page alike.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
TOTAL = 10_000
FEW = 100
WORKERS = 2

SEARCH = "/decisions/?q=knife"
FILTERED = "/decisions/?funder=Home+Office&year=2023%2F24&outcome=approved"
# CSV: a file of 10,000 rows a request, so fewer connections.
CSV_CONNECTIONS = 2
MAX_CSV_SECONDS = 2.0
MAX_CSV_GROWTH_MB = 20.0


@dataclass
class Scenario:
    name: str
    path: str
    cached: bool
    target: str = ""  # "reference" (≥1.0×), "plaintext" (≥0.5×), "csv" or ""
    connections: int = CONNECTIONS
    result: dict = field(default_factory=dict)
    rounds: list = field(default_factory=list)
    queries: dict = field(default_factory=dict)  # decisions → queries a request


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
    """Each page's SQL queries, from Django's test client in this process: a first
    render after the caches are emptied, and a repeat request; with the register's
    version read on every request (REGISTER_RECHECK_SECONDS=0), so the most a request
    runs."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from approvals.publication.views import public as public_views

    client = Client(HTTP_HOST="127.0.0.1")
    with override_settings(REGISTER_RECHECK_SECONDS=0):
        for scenario in scenarios:
            cache.clear()
            public_views._register_facts.clear()
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


def get(path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


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
    """wrk's report (with --latency) as the figures the table needs."""
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    requests = int(re.search(r"(\d+) requests in", out)[1])
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    return {
        "requests": requests,
        "seconds": requests / rps if rps else seconds,
        "rps": rps,
        "p50_ms": _wrk_ms(latency["50"]),
        "p99_ms": _wrk_ms(latency["99"]),
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


def measure_round(scenario: Scenario, load) -> None:
    result = load(scenario.path, scenario.connections, SECONDS / ROUNDS)
    if result["non_2xx"] or result["errors"]:
        raise RuntimeError(f"{scenario.path}: failed requests {result}")
    scenario.rounds.append(result)


def combine(rounds: list[dict]) -> dict:
    """One figure from a page's rounds: all its requests over all its seconds; the
    median round's p50 and the worst round's p99."""
    requests = sum(r["requests"] for r in rounds)
    seconds = sum(r["seconds"] for r in rounds)
    p50s = sorted(r["p50_ms"] for r in rounds)
    return {
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds if seconds else 0.0,
        "p50_ms": p50s[len(p50s) // 2],
        "p99_ms": max(r["p99_ms"] for r in rounds),
    }


def measure_in_turns(scenarios: list[Scenario], load, between=None) -> None:
    """Every scenario for SECONDS in all, in ROUNDS turns. `between(scenario, first,
    last)` runs before and after a scenario's turns, for the CSV export's memory."""
    for scenario in scenarios:
        warm_up(scenario)
    for number in range(ROUNDS):
        for scenario in scenarios:
            if between and number == 0:
                between(scenario, "before")
            measure_round(scenario, load)
            if between and number == ROUNDS - 1:
                between(scenario, "after")
    for scenario in scenarios:
        scenario.result = combine(scenario.rounds)


# ---- The report -------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    try:
        names = re.findall(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = names[0] if names else cpu
    except OSError:
        pass
    memory = ""
    try:
        total = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
        memory = f", {total / 1024 / 1024:.0f} GB memory"
    except (OSError, TypeError):
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}){memory}"


def versions() -> str:
    import django
    import gunicorn
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return (
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"gunicorn {gunicorn.__version__}, PostgreSQL {postgres}"
    )


def verdict(scenario: Scenario, reference: float, plaintext: float, csv_growth: float) -> str:
    rps = scenario.result["rps"]
    if scenario.target == "reference":
        ok = rps >= reference
        return f"≥ 1.0× reference: {'met' if ok else 'MISSED'}"
    if scenario.target == "plaintext":
        ok = rps >= 0.5 * plaintext
        return f"≥ 0.5× plaintext: {'met' if ok else 'MISSED'}"
    if scenario.target == "csv":
        ok = scenario.result["p99_ms"] < MAX_CSV_SECONDS * 1000 and csv_growth < MAX_CSV_GROWTH_MB
        return f"< 2 s, flat memory: {'met' if ok else 'MISSED'}"
    return ""


def table(scenarios: list[Scenario], csv_growth: float) -> str:
    by_name = {s.name: s for s in scenarios}
    reference = by_name["Reference list view"].result["rps"]
    plaintext = by_name["Plaintext (13 bytes)"].result["rps"]
    lines = [
        "| Page | Render | Req/s | × reference | × plaintext | p50 ms | p99 ms "
        f"| SQL queries at {FEW} / {TOTAL:,} | Target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | :---: | --- |",
    ]
    for s in scenarios:
        r = s.result
        queries = f"{s.queries.get(FEW, '—')} / {s.queries.get(TOTAL, '—')}"
        if s.queries and s.queries.get(FEW) != s.queries.get(TOTAL):
            queries += " (grows)"
        lines.append(
            f"| {s.name} (`{s.path}`) | {'cached' if s.cached else 'first render'} "
            f"| {r['rps']:,.0f} | {r['rps'] / reference:.2f} | {r['rps'] / plaintext:.2f} "
            f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {queries} "
            f"| {verdict(s, reference, plaintext, csv_growth)} |"
        )
    return "\n".join(lines)


def write_results(text: str) -> None:
    findings = ""
    if RESULTS.exists():
        old = RESULTS.read_text()
        if FINDINGS_HEADING in old:
            findings = "\n" + old[old.index(FINDINGS_HEADING) :]
    RESULTS.write_text(text + findings)


# ---- The run ------------------------------------------------------------------------------


def scenarios_for(detail: str) -> tuple[list[Scenario], list[Scenario]]:
    first = [
        Scenario("Plaintext (13 bytes)", "/bench/plaintext", cached=False),
        Scenario("Reference list view", "/bench/reference/", cached=False),
        Scenario("Register list", "/decisions/", cached=False, target="reference"),
        Scenario("Search", SEARCH, cached=False, target="reference"),
        Scenario("Filtered list", FILTERED, cached=False),
        Scenario("Decision page", detail, cached=False, target="reference"),
        Scenario(
            f"CSV export, {TOTAL:,} rows",
            "/decisions.csv",
            cached=False,
            target="csv",
            connections=CSV_CONNECTIONS,
        ),
    ]
    repeat = [
        Scenario("Register list", "/decisions/", cached=True, target="plaintext"),
        Scenario("Search", SEARCH, cached=True, target="plaintext"),
        Scenario("Filtered list", FILTERED, cached=True, target="plaintext"),
        Scenario("Decision page", detail, cached=True, target="plaintext"),
    ]
    return first, repeat


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

    from tests.bench import generate

    try:
        call_command("migrate", verbosity=0)
        generate.extend_to(FEW)
        generate.analyse()
        detail = f"/decisions/{generate.middle_slug()}/"
        first, repeat = scenarios_for(detail)
        count_queries([*first[1:], *repeat], FEW)
        print(f"Generating {TOTAL:,} published decisions…")
        made_at = time.monotonic()
        generate.extend_to(TOTAL)
        generate.analyse()
        generated_in = time.monotonic() - made_at
        count_queries([*first[1:], *repeat], TOTAL)
        for scenario in first[:1]:
            scenario.queries = {FEW: 0, TOTAL: 0}
        db_versions = versions()
        connections.close_all()

        print(f"Measuring with {generator}, {SECONDS:g} s a page…")
        csv_growth, memory_note = 0.0, "not measured"
        with Server(env, page_cache=False) as server:
            memory = {}

            def csv_memory(scenario: Scenario, when: str) -> None:
                if scenario.target != "csv":
                    return
                if when == "before":
                    status, body = get(scenario.path)
                    rows = body.count(b"\n") - 1
                    assert status == 200 and rows == TOTAL, (status, rows)
                memory[when] = server.memory()

            measure_in_turns(first, load, between=csv_memory)
            before, after = memory["before"], memory["after"]
            growth = [
                a.get("VmHWM", 0) - b.get("VmHWM", 0) for a, b in zip(after, before, strict=False)
            ]
            csv_growth = max(growth, default=0.0)
            memory_note = ", ".join(
                f"{b.get('VmHWM', 0):.0f} → {a.get('VmHWM', 0):.0f} MB"
                for a, b in zip(after, before, strict=False)
            )
            for scenario in first:
                print(f"  {scenario.name}: {scenario.result['rps']:,.0f} req/s")
        with Server(env, page_cache=True):
            measure_in_turns(repeat, load)
            for scenario in repeat:
                print(f"  {scenario.name}, cached: {scenario.result['rps']:,.0f} req/s")
    finally:
        if os.environ.get("BENCH_KEEP_DATABASE") != "1":
            drop_database()
        shutil.rmtree(static_root, ignore_errors=True)

    scenarios = [*first, *repeat]
    cache_backend = "Redis (REDIS_URL)" if env.get("REDIS_URL") else "local memory"
    load_after = os.getloadavg()
    report = f"""# Benchmark results

Written by `make bench` (tests/bench/run.py) on {started:%Y-%m-%d %H:%M} UTC.

- Machine: {machine()}
- Software: {db_versions}
- Server: gunicorn, {WORKERS} sync workers, production settings (DEBUG off,
  CONN_MAX_AGE 600), SECURE_SSL_REDIRECT off for plain HTTP on 127.0.0.1; page cache:
  {cache_backend}
- Load: {generator}, {CONNECTIONS} connections ({CSV_CONNECTIONS} for the CSV export),
  {SECONDS:g} s a page in {ROUNDS} turns of {SECONDS / ROUNDS:g} s, taken in turn with the other
  pages', from a second process on the same machine
- Data: {TOTAL:,} published decisions, generated in {generated_in:.1f} s
- Load average before and after: {load_before[0]:.2f} → {load_after[0]:.2f} (other work on
  the machine shares its {os.cpu_count()} cores)
- CSV export: each gunicorn worker's peak memory (VmHWM) before and after: {memory_note}
- Run time: {time.monotonic() - began:.0f} s
{f"- Static files: {static_note}" if static_note else ""}

"First render": the page cache is off (Django's cache is a dummy), so every request renders
its page. What each process keeps of the whole register for a version of it (the filter
options, the number of decisions published) and of the register's version itself (for a
second) still applies, as it would to a page's first render in production. "Cached":
repeat requests of the same published page, served from Django's cache. Ratios are to
the reference list view (20 rows of a 10,000-row table joined to a second, a COUNT for
the paginator, a plain template, no caching) and to the plaintext view (13 bytes).
SQL queries are a request's, counted with Django's test client at {FEW} and at
{TOTAL:,} published decisions, with the register's version read on every request: under
load each process reads it at most once a second (REGISTER_RECHECK_SECONDS), so most
repeat requests run none.

{table(scenarios, csv_growth)}
"""
    report = re.sub(r"\n{3,}", "\n\n", report)
    print()
    print(table(scenarios, csv_growth))
    write_results(report)
    print(f"\nWritten to {RESULTS.relative_to(ROOT)} in {time.monotonic() - began:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
