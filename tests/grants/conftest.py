"""Fixtures of the case editor's tests."""

import pytest

from tests.grants.editor_pages import make_draft


@pytest.fixture
def draft(manager):
    return make_draft(manager)


@pytest.fixture
def unit(draft):
    return draft.units.get()
