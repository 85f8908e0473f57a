"""Existing communications: their author becomes their first recorded editor, and those
composed as "service messages" that have not finished count as campaigns from now on (a
message written by hand needs consent). Those not yet sending go back to draft, their
approval withdrawn; those sending or paused check campaign consent as each message goes."""

from django.db import migrations

UNFINISHED = ["draft", "awaiting_approval", "approved", "scheduled", "sending", "paused"]
SUBMITTED = ["awaiting_approval", "approved", "scheduled"]


def forwards(apps, schema_editor):
    Communication = apps.get_model("communications", "Communication")
    CommunicationEdit = apps.get_model("communications", "CommunicationEdit")
    Delivery = apps.get_model("communications", "Delivery")
    CommunicationEdit.objects.bulk_create(
        CommunicationEdit(
            communication_id=c.pk, by_id=c.created_by_id, at=c.created_at, changed=["created"]
        )
        for c in Communication.objects.only("pk", "created_by_id", "created_at").iterator()
    )
    service = Communication.objects.filter(kind="service", status__in=UNFINISHED)
    ids = list(service.values_list("pk", flat=True))
    Communication.objects.filter(pk__in=ids, status__in=SUBMITTED).update(
        status="draft", approved_by=None, approved_at=None, submitted_at=None, scheduled_for=None
    )
    Communication.objects.filter(pk__in=ids).update(kind="campaign")
    Delivery.objects.filter(communication_id__in=ids, status__in=["queued", "claimed"]).update(
        kind="campaign"
    )


class Migration(migrations.Migration):
    dependencies = [("communications", "0004_edits_skipped_review_replay")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
