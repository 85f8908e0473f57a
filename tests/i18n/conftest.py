import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """The test client runs requests in the test's own thread, and a Welsh page leaves
    Welsh active there: each test starts, and ends, in English as a worker would."""
    translation.activate("en-gb")
    yield
    translation.activate("en-gb")
