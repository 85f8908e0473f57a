import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# Start a PDF render worker now rather than on the first PDF (portal.pdf).
from portal.pdf import prestart  # noqa: E402

prestart()
