"""The benchmark server's URLs: the service's own, and the two views it is measured
against (tests/bench/views.py). Production never loads this module."""

from config.urls import urlpatterns as service_urlpatterns
from tests.bench.views import urlpatterns as bench_urlpatterns

urlpatterns = [*service_urlpatterns, *bench_urlpatterns]
