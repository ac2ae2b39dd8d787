"""The world the fuzz tests post into."""

import pytest

from tests.matrix import build_world


@pytest.fixture
def world(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world(people)
