"""Scale-out, as README.md's "To scale out" says it works: two app servers (gunicorn,
config.wsgi) on one PostgreSQL database, sharing one Redis. A decision a publisher
publishes through one server reaches the public register on the other within five
seconds, though that server had just served the register without it.

The servers are reached only over HTTP, and their data is made with management commands
in processes of their own: nothing of the app's caching is imported here, so this holds
however the caching works inside."""

import html
import http.client
import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from psycopg import sql

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two app servers need a database they both reach: run with DATABASE_URL set to "
    "a PostgreSQL database (CI does)",
)

BASE_DIR = Path(django_settings.BASE_DIR)
HOST = "127.0.0.1"
# How soon a publication must reach the other server's register.
WITHIN_SECONDS = 5.0
REQUEST_TIMEOUT = 10
START_TIMEOUT = 30


# ---- Tools and processes -----------------------------------------------------------------


def require_tools() -> str:
    """The path of redis-server; gunicorn must be importable by this Python."""
    missing = []
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        missing.append("redis-server (apt-get install redis-server)")
    if importlib.util.find_spec("gunicorn") is None:
        missing.append("gunicorn (it is in requirements.lock)")
    if missing:
        reason = f"{' and '.join(missing)} not installed"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the scale-out test: {reason}")
        pytest.skip(reason)
    return redis_server


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start_redis(stack: ExitStack, redis_server: str, folder: Path) -> int:
    """A Redis of its own on a free loopback port, keeping nothing on disk: its port."""
    folder.mkdir()
    port = free_port()
    log = folder / "redis.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [redis_server, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly",
             "no", "--dir", str(folder)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    stack.callback(stop, process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"redis-server stopped:\n{tail(log)}")
        if redis_command(port, "PING") == "+PONG":
            return port
        time.sleep(0.1)
    pytest.fail(f"redis-server did not answer PING within {START_TIMEOUT} seconds")


def redis_command(port: int, *words: str) -> str | None:
    """One command's reply line, or None if Redis does not answer yet."""
    command = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
    try:
        with socket.create_connection((HOST, port), timeout=2) as link:
            link.sendall(command.encode())
            return link.makefile("rb").readline().decode().strip()
    except OSError:
        return None


@dataclass
class Server:
    name: str
    port: int
    log: Path


def start_server(stack: ExitStack, name: str, env: dict[str, str], folder: Path) -> Server:
    """gunicorn serving config.wsgi, as README.md's "Serve it with gunicorn" does."""
    server = Server(name, free_port(), folder / f"server-{name}.log")
    with server.log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{server.port}",
             "--workers", "2", "--graceful-timeout", "5", "--log-level", "warning",
             # Each request with the worker that answered it, for a failure's message.
             "--access-logfile", "-", "--access-logformat", "%(p)s %(r)s %(s)s"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    stack.callback(stop, process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server {name} stopped:\n{tail(server.log)}")
        try:
            if Visitor(server).get("/healthz").status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"server {name} did not answer /healthz within {START_TIMEOUT} seconds")


# ---- The database ------------------------------------------------------------------------


def database_url(settings_dict: dict, name: str) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD")
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(settings_dict.get("HOST") or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(name, safe='')}"


def create_database(stack: ExitStack) -> str:
    """A new database for the servers (the test database is inside a transaction they
    could not see), dropped at the end."""
    source = connection.settings_dict
    name = f"grant_decisions_scale_{secrets.token_hex(4)}"
    admin = psycopg.connect(
        dbname="postgres",
        host=source.get("HOST") or None,
        port=source.get("PORT") or None,
        user=source.get("USER") or None,
        password=source.get("PASSWORD") or None,
        autocommit=True,
    )
    stack.callback(admin.close)
    admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    stack.callback(
        admin.execute,
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
    )
    return database_url(source, name)


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stderr}"
    return done.stdout


# ---- HTTP ----------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str


@dataclass
class Visitor:
    """A browser of one server: it keeps the cookies the server sets, and follows no
    redirects. A new one is an anonymous visitor."""

    server: Server
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Response:
        return self.request("POST", path, form)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        link = http.client.HTTPConnection(HOST, self.server.port, timeout=REQUEST_TIMEOUT)
        try:
            link.request(method, path, body=body, headers=headers)
            answer = link.getresponse()
            text = answer.read().decode("utf-8", errors="replace")
        finally:
            link.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(answer.status, answer.headers, text)


def csrf_token(page: Response, action: str = "") -> str:
    """The CSRF token of the form that posts to `action` (or of the first form)."""
    forms = re.findall(r"<form\b[^>]*>.*?</form>", page.text, flags=re.S)
    for form in forms:
        if action and f'action="{action}"' not in form:
            continue
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        if found:
            return found.group(1)
    raise AssertionError(f"no form posting to {action or 'anywhere'} with a CSRF token")


def sign_in(server: Server, username: str, password: str) -> Visitor:
    staff = Visitor(server)
    page = staff.get("/accounts/login/")
    assert page.status == 200, page.status
    signed_in = staff.post(
        "/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf_token(page)},
    )
    assert signed_in.status == 302, f"{username} could not sign in on server {server.name}"
    assert "/accounts/login/" not in signed_in.headers["Location"]
    return staff


# ---- Two servers ---------------------------------------------------------------------------


@dataclass
class ScaleOut:
    a: Server
    b: Server
    redis_port: int
    password: str
    waiting: dict  # the approved decision not yet published: pk, slug, reference, title


@pytest.fixture
def scale_out(tmp_path):
    redis_server = require_tools()
    with ExitStack() as stack:
        database = create_database(stack)
        password = secrets.token_urlsafe(16)
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("AWS_", "DJANGO_", "REDIS_", "REGISTER_"))
            and name not in ("DATABASE_URL", "DEBUG", "MEDIA_ROOT", "STATIC_ROOT")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=database,
            SECRET_KEY=secrets.token_urlsafe(50),
            AUDIT_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            MEDIA_ROOT=str(tmp_path / "media"),
            # Plain HTTP on 127.0.0.1: no proxy terminates TLS here, so no redirect to
            # HTTPS and no Secure cookies; a password alone signs the publisher in.
            SECURE_SSL_REDIRECT="false",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            MFA_REQUIRED="false",
            # Static files are linked by their plain names: no collectstatic needed.
            STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            DEMO_PASSWORD=password,
            LOG_LEVEL="WARNING",
        )
        manage(env, "migrate", "--no-input")
        # The demo: the seed report published, and one approved decision deferred.
        manage(env, "load_demo")
        waiting = json.loads(
            manage(
                env,
                "shell",
                "--no-imports",
                "-c",
                "import json\n"
                "from approvals.models import Publication\n"
                "print(json.dumps(list(Publication.objects.filter(published_at__isnull=True)"
                ".values('pk', 'slug', 'reference', 'title'))))",
            ).splitlines()[-1]
        )
        assert len(waiting) == 1, waiting

        redis_port = start_redis(stack, redis_server, tmp_path / "redis")
        server_env = {**env, "REDIS_URL": f"redis://{HOST}:{redis_port}/0"}
        a = start_server(stack, "A", server_env, tmp_path)
        b = start_server(stack, "B", server_env, tmp_path)
        yield ScaleOut(a, b, redis_port, password, waiting[0])


def at_once(server: Server, path: str, visitors: int = 8) -> list[Response]:
    """`path` asked for by several anonymous visitors at the same time."""
    with ThreadPoolExecutor(visitors) as pool:
        return list(pool.map(lambda _: Visitor(server).get(path), range(visitors)))


def listed(page: Response, decision: dict) -> bool:
    return f'href="/decisions/{decision["slug"]}/"' in page.text


def test_a_publication_on_one_server_reaches_the_other_servers_register_within_five_seconds(
    scale_out,
):
    a, b, decision = scale_out.a, scale_out.b, scale_out.waiting
    decision_path = f"/decisions/{decision['slug']}/"
    title = html.escape(decision["title"])

    # Server B serves the register to visitors before the publication: the seed report
    # is on it, the waiting decision is not, and its page is not found. Each is asked
    # for by several visitors at once, so that every one of B's workers answers some.
    for register in at_once(b, "/decisions/"):
        assert register.status == 200, register.status
        assert 'href="/decisions/pcd-1/"' in register.text
        assert not listed(register, decision)
    for page in at_once(b, decision_path):
        assert page.status == 404, page.status
    assert Visitor(a).get("/decisions/").status == 200
    cached = redis_command(scale_out.redis_port, "DBSIZE")
    assert cached not in (None, ":0"), f"the servers kept nothing in the shared Redis: {cached}"

    # A publisher publishes it through server A.
    publisher = sign_in(a, "publisher", scale_out.password)
    detail_path = f"/staff/publications/{decision['pk']}/"
    publish_path = f"{detail_path}publish/"
    detail = publisher.get(detail_path)
    assert detail.status == 200, detail.status
    token = csrf_token(detail, publish_path)
    started = time.monotonic()
    published = publisher.post(publish_path, {"csrfmiddlewaretoken": token})
    assert published.status == 302, f"publish now answered {published.status}"
    confirmation = publisher.get(published.headers["Location"])
    assert f"{decision['reference']} has been published" in confirmation.text

    # Within five seconds an anonymous visitor to server B sees it on the register and
    # on its own page.
    deadline = started + WITHIN_SECONDS
    while True:
        register = Visitor(b).get("/decisions/")
        page = Visitor(b).get(decision_path)
        seen = listed(register, decision) and page.status == 200 and title in page.text
        elapsed = time.monotonic() - started
        if seen or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    assert seen, (
        f"{WITHIN_SECONDS:g} seconds after {decision['reference']} was published through "
        f"server A, server B's register {'lists' if listed(register, decision) else 'lacks'} "
        f"it and its page answers {page.status}.\nServer B's log:\n{tail(b.log)}"
    )
    assert elapsed <= WITHIN_SECONDS, elapsed
    assert register.status == 200 and title in register.text
