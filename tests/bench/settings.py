"""Production settings for the benchmark's server: config.settings, read from the same
environment, with the benchmark views on. With BENCH_PAGE_CACHE=off the cache of rendered
pages is a dummy, so every request draws its page: the "first render" figures."""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
if os.environ.get("BENCH_PAGE_CACHE") == "off":
    CACHES["pages"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}  # noqa: F405
# Collected into a folder of the benchmark's own, not the project's staticfiles/.
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or STATIC_ROOT  # noqa: F405
