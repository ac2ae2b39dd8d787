"""What the browser tests share: signing in through the page, and the accessibility
check, which asks three engines about the page in front of the browser: axe-core and
HTML_CodeSniffer (WCAG 2.2 AA, in the page) and the Nu Html Checker (valid HTML, which
assistive technology relies on: ids, headers, attribute values)."""

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HTMLCS = ROOT / "node_modules" / "html_codesniffer" / "build" / "HTMLCS.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = ROOT / "test-artifacts"
ENGINE_SCRIPT = re.compile(r"<script[^>]* data-accessibility-engine[^>]*>.*?</script>", re.DOTALL)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def add_engine(page, script: Path):
    """Add an engine's script to the page, marked so that the HTML checked is the page's
    own: nu_errors leaves it out."""
    page.add_script_tag(path=str(script)).evaluate("tag => tag.dataset.accessibilityEngine = ''")


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page; return violations of WCAG 2.2 AA rules."""
    add_engine(page, AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [node["target"] for node in v["nodes"]],
        }
        for v in result["violations"]
    ]


def htmlcs_errors(page) -> list[dict]:
    """Run HTML_CodeSniffer's WCAG 2 AA sniffs on the page; return its errors (its
    warnings and notices ask a person to judge, so they do not fail a test)."""
    add_engine(page, HTMLCS)
    return page.evaluate(
        """() => new Promise((resolve, reject) => HTMLCS.process(
            'WCAG2AA',
            document,
            () => resolve(
                HTMLCS.getMessages()
                    .filter(message => message.type === HTMLCS.ERROR)
                    .map(message => ({
                        code: message.code,
                        message: message.msg,
                        element: message.element.outerHTML.slice(0, 300),
                    }))
            ),
            () => reject(new Error('HTML_CodeSniffer could not run')),
        ))"""
    )


class NuChecker:
    """The Nu Html Checker as a local HTTP service, started once for the whole run: its
    JVM takes seconds to start, a page then takes milliseconds."""

    def __init__(self):
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("Java is missing (apt-get install default-jre-headless)")
        if not VNU.exists():
            raise RuntimeError(f"The Nu Html Checker is missing at {VNU}: run `npm ci`")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/?out=json"
        self.process = subprocess.Popen(
            [java, "-cp", str(VNU), "nu.validator.servlet.Main", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_ready(port)

    def _wait_until_ready(self, port: int, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("The Nu Html Checker stopped as it started")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError(f"The Nu Html Checker did not start within {timeout} seconds")

    def errors(self, html: str) -> list[dict]:
        """The checker's errors in a document; its warnings (and info) are advice."""
        request = urllib.request.Request(
            self.url,
            data=html.encode(),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            messages = json.load(response)["messages"]
        return [
            {
                "line": message.get("lastLine"),
                "message": message["message"],
                "extract": message.get("extract", ""),
            }
            for message in messages
            if message["type"] in ("error", "non-document-error")
        ]

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_nu_checker: NuChecker | None = None


def nu_checker() -> NuChecker:
    """The run's Nu Html Checker, started on first use (tests/browser/conftest.py stops it)."""
    global _nu_checker
    if _nu_checker is None:
        _nu_checker = NuChecker()
    return _nu_checker


def stop_nu_checker():
    global _nu_checker
    if _nu_checker is not None:
        _nu_checker.close()
        _nu_checker = None


def nu_errors(page) -> list[dict]:
    """The Nu Html Checker's errors in the page as the browser holds it now, without the
    other engines' scripts (a script's text cannot hold "</script>": the match is exact)."""
    html = ENGINE_SCRIPT.sub("", page.content())
    return nu_checker().errors(html)


def broken_error_summary_links(page) -> list[str]:
    """Error summary links whose target is not an element on the page."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.govuk-error-summary a[href^="#"]')]
            .map(link => link.getAttribute('href'))
            .filter(href => !document.getElementById(decodeURIComponent(href.slice(1))))"""
    )


def assert_accessible(page):
    """Every engine's problems with the page in front of the browser: none may be found."""
    problems = {
        "Nu Html Checker": nu_errors(page),
        "error summary links to nothing": broken_error_summary_links(page),
        "axe-core": axe_violations(page),
        "HTML_CodeSniffer": htmlcs_errors(page),
    }
    found = {engine: found for engine, found in problems.items() if found}
    assert found == {}, f"Accessibility problems on {page.url}: {found}"


def sign_in(page, username: str, password: str):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")


def focused(page) -> dict:
    return page.evaluate(
        "() => ({id: document.activeElement.id, tag: document.activeElement.tagName,"
        " text: document.activeElement.textContent.trim(),"
        " cls: document.activeElement.className})"
    )


def tab_until(page, matches, limit: int = 60) -> dict:
    """Press Tab until the focused element matches, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if matches(element):
            return element
    raise AssertionError(f"Tab never reached the element; last focused: {element}")
