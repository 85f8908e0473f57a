from django.conf import settings


def site(request):
    return {"union_name": settings.PORTAL_UNION_NAME, "demo_mode": settings.DEMO_MODE}
