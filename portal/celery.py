"""The Celery app. Redis is the broker when REDIS_URL is set; without it (the local demo)
tasks run in-process (CELERY_TASK_ALWAYS_EAGER). Tasks derive from Celery's DjangoTask, so
apps enqueue through `portal.tasks.enqueue_on_commit`, after the transaction commits."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Request ids into tasks, task metrics, the worker's heartbeat and scheduled jobs' last runs.
from portal import metrics, observability, service_status  # noqa: E402

observability.connect_celery(app)
metrics.connect_celery(app)
service_status.connect_celery(app)
