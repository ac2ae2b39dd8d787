"""Racing requests: actions run in threads released together, each thread with a database
connection of its own, and a password hasher that counts the passwords it checks."""

import threading
import time

from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection


def run_at_once(count: int, action) -> list:
    """Run `action` in `count` threads released together; return each result or error."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = action()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


class CountingHasher(MD5PasswordHasher):
    """The tests' MD5 hasher, counting every password it checks and taking as long as a
    real hasher takes (a fast hash would finish before the next attempt arrived, and
    hide a race). Use it with settings.PASSWORD_HASHERS = [CountingHasher.path]."""

    path = "tests.races.CountingHasher"
    seconds = 0.05
    _lock = threading.Lock()
    checked = 0

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls.checked = 0

    def verify(self, password, encoded):
        with CountingHasher._lock:
            CountingHasher.checked += 1
        time.sleep(self.seconds)
        return super().verify(password, encoded)
