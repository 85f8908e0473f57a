"""The Celery app. Redis is the broker when REDIS_URL is set; without it (the local demo)
tasks run in-process (CELERY_TASK_ALWAYS_EAGER). Tasks derive from Celery's DjangoTask, so
apps enqueue through `portal.tasks.enqueue_on_commit`, after the transaction commits."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
