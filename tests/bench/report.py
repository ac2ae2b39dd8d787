"""The benchmark's report: its machine, its verdicts against the targets and its tables,
written to tests/bench/results.md above the findings (see tests/bench/run.py)."""

import os
import platform
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "bench" / "results.md"
FINDINGS_HEADING = "## Findings"
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
SMALL, LARGE = 10_000, 100_000
SIZES = (SMALL, LARGE)
MAX_CSV_SECONDS = {SMALL: 2.0, LARGE: 5.0}  # the slowest download's
MAX_CSV_GROWTH_MB = 20.0
# At 100,000 a page keeps this share of its first-render throughput at 10,000.
MIN_RETENTION = 0.85
# A decision's page as sent compressed, its status line, headers and body, is smaller
# than 15 KB, counted as the documents' table counts KB (1,024 bytes).
MAX_WIRE_BYTES = 15 * 1024
# What the decision page is fetched asking for: each compression, and none to compare.
ENCODINGS = ("br", "gzip", "identity")


@dataclass
class Scenario:
    name: str
    path: str
    cached: bool
    target: str = ""  # "reference" (≥1.0×), "plaintext" (≥0.5×), "csv" or ""
    connections: int = CONNECTIONS
    results: dict = field(default_factory=dict)  # decisions → the combined figures
    rounds: dict = field(default_factory=dict)  # decisions → each turn's figures
    queries: dict = field(default_factory=dict)  # decisions → queries a request
    retained: bool = True  # measured at both sizes, for the retention table


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


def _failed(result: dict) -> str:
    """Why a page's figures cannot meet any target, or ''."""
    if not result.get("requests"):
        return "no request completed"
    if result.get("errors") or result.get("non_2xx"):
        return f"{result['errors']} failed, {result['non_2xx']} not 2xx"
    return ""


def csv_verdict(result: dict, decisions: int) -> str:
    limit = MAX_CSV_SECONDS[decisions]
    target = f"< {limit:g} s, flat memory"
    if result["completed"] < result["downloads"]:
        done = f"{result['completed']} of {result['downloads']} downloads completed"
        return f"{target}: MISSED ({done})"
    ok = result["worst_s"] < limit and result["growth_mb"] < MAX_CSV_GROWTH_MB
    return f"{target}: {'met' if ok else 'MISSED'}"


def verdict(scenario: Scenario, decisions: int, reference: float, plaintext: float) -> str:
    result = scenario.results[decisions]
    if scenario.target == "csv":
        return csv_verdict(result, decisions)
    if scenario.target == "reference":
        target, ok = "≥ 1.0× reference", result["rps"] >= reference
    elif scenario.target == "plaintext":
        target, ok = "≥ 0.5× plaintext", result["rps"] >= 0.5 * plaintext
    else:
        return ""
    failed = _failed(result)
    if failed:
        return f"{target}: MISSED ({failed})"
    return f"{target}: {'met' if ok else 'MISSED'}"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _queries(scenario: Scenario) -> str:
    counts = [scenario.queries.get(size) for size in SIZES]
    text = " / ".join("—" if n is None else str(n) for n in counts)
    return text + (" (grows)" if len(set(counts)) > 1 else "")


def size_table(scenarios: list[Scenario], decisions: int) -> str:
    """Every page at one size, with its ratios and its target there."""
    by_name = {s.name: s for s in scenarios}
    reference = by_name["Reference list view"].results[decisions]["rps"]
    plaintext = by_name["Plaintext (13 bytes)"].results[decisions]["rps"]
    lines = [
        "| Page | Render | Req/s | × reference | × plaintext | p50 ms | p99 ms | Target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in scenarios:
        if decisions not in s.results:
            continue
        r = s.results[decisions]
        page = f"{s.name} (`{s.path}`)"
        target = verdict(s, decisions, reference, plaintext)
        if s.target == "csv":
            lines.append(
                f"| {page} | {r['completed']} full downloads of {r['rows']:,} rows | "
                f"— | — | — | {_seconds(r['median_s'])} s (median) | "
                f"{_seconds(r['worst_s'])} s (worst) | {target} |"
            )
            continue
        render = "cached" if s.cached else "first render"
        lines.append(
            f"| {page} | {render} | {r['rps']:,.0f} | {r['rps'] / reference:.2f} "
            f"| {r['rps'] / plaintext:.2f} | {_ms(r['p50_ms'])} | {_ms(r['p99_ms'])} "
            f"| {target} |"
        )
    return "\n".join(lines)


def retention(scenario: Scenario) -> float | None:
    """What a page keeps at LARGE of its first-render throughput at SMALL: requests a
    second, or for the CSV export time a row (its inverse); None if either size has no
    figure."""
    small, large = scenario.results.get(SMALL), scenario.results.get(LARGE)
    if not small or not large:
        return None
    if scenario.target == "csv":
        if not small["us_per_row"] or not large["us_per_row"]:
            return None
        return small["us_per_row"] / large["us_per_row"]
    if not small["rps"] or _failed(large):
        return None if not small["rps"] else 0.0
    return large["rps"] / small["rps"]


def retention_verdict(scenario: Scenario) -> str:
    if not scenario.target:
        return ""
    kept = retention(scenario)
    queries = [scenario.queries.get(size) for size in SIZES]
    target = f"≥ {MIN_RETENTION:.0%}, same queries"
    if kept is None:
        return f"{target}: MISSED (no figure at both sizes)"
    ok = kept >= MIN_RETENTION and len(set(queries)) == 1
    return f"{target}: {'met' if ok else 'MISSED'}"


def retention_table(scenarios: list[Scenario]) -> str:
    """First render at both sizes: throughput, what is kept, and queries a request."""
    lines = [
        f"| Page | At {SMALL:,} | At {LARGE:,} | Kept at {LARGE:,} "
        f"| SQL queries at {SMALL:,} / {LARGE:,} | Target |",
        "| --- | ---: | ---: | ---: | :---: | --- |",
    ]
    for s in scenarios:
        if s.cached or not s.retained:
            continue
        small, large = s.results.get(SMALL), s.results.get(LARGE)
        if s.target == "csv":
            figures = [
                f"{r['us_per_row']:.1f} µs a row ({_seconds(r['median_s'])} s)"
                if r and r["us_per_row"]
                else "—"
                for r in (small, large)
            ]
        else:
            figures = [f"{r['rps']:,.0f} req/s" if r else "—" for r in (small, large)]
        kept = retention(s)
        lines.append(
            f"| {s.name} (`{s.path}`) | {figures[0]} | {figures[1]} "
            f"| {'—' if kept is None else f'{kept:.0%}'} | {_queries(s)} "
            f"| {retention_verdict(s)} |"
        )
    return "\n".join(lines)


def tables(scenarios: list[Scenario]) -> str:
    return "\n\n".join(
        [
            f"### First render at {SMALL:,} and at {LARGE:,} decisions",
            retention_table(scenarios),
            *(
                part
                for size in SIZES
                for part in (f"### Every page at {size:,} decisions", size_table(scenarios, size))
            ),
        ]
    )


def wire_verdict(sent: dict, asked: str) -> str:
    """A compressed fetch meets the target if it came back 200, in the encoding asked
    for, and smaller than MAX_WIRE_BYTES with its headers; the uncompressed one is there
    to compare with."""
    if asked == "identity":
        return ""
    target = f"< {MAX_WIRE_BYTES / 1024:g} KB"
    if sent["status"] != 200:
        return f"{target}: MISSED (status {sent['status']})"
    if sent["encoding"] != asked:
        return f"{target}: MISSED (sent {sent['encoding']})"
    return f"{target}: {'met' if sent['total'] < MAX_WIRE_BYTES else 'MISSED'}"


def wire_table(path: str, wire: dict[int, dict[str, dict]]) -> str:
    """The decision page's bytes on the wire at each size, by what the client accepts."""
    lines = [
        f"### The decision page on the wire (`{path}`)",
        "",
        "| Decisions | Accept-Encoding | Content-Encoding sent | Body bytes "
        "| With headers | Target |",
        "| ---: | --- | --- | ---: | ---: | --- |",
    ]
    for size in SIZES:
        for asked in ENCODINGS:
            sent = wire.get(size, {}).get(asked)
            if sent is None:
                continue
            lines.append(
                f"| {size:,} | {asked} | {sent['encoding']} | {sent['body']:,} "
                f"| {sent['total']:,} | {wire_verdict(sent, asked)} |"
            )
    return "\n".join(lines)


def write_results(text: str) -> None:
    findings = ""
    if RESULTS.exists():
        old = RESULTS.read_text()
        if FINDINGS_HEADING in old:
            findings = "\n" + old[old.index(FINDINGS_HEADING) :]
    RESULTS.write_text(text + findings)
