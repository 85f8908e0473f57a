"""The portal's URLs plus one case page that fails, for the error-report test."""

import logging

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from casework.access import get_case_for_member
from portal.urls import handler404, handler500  # noqa: F401
from portal.urls import urlpatterns as portal_urlpatterns

logger = logging.getLogger("casework.views")


@csrf_exempt  # a form post without the token, as the test sends it
def failing_case_view(request, reference):
    """Reads a case and its member's equality answers, logs them, then fails."""
    case = get_case_for_member(request.user, reference)
    narrative = case.what_happened
    equality = request.user.equality.sexual_orientation
    logger.info("handling %s for %s (%s)", narrative, request.user.email, equality)
    raise ValueError(f"could not file {narrative} for {request.user.email}: {equality}")


urlpatterns = [
    path("cases/<str:reference>/fails/", failing_case_view, name="ops_failing_case"),
    *portal_urlpatterns,
]
