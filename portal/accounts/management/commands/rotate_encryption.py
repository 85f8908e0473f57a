from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from portal import crypto
from portal.fields import EncryptedJSONListField, EncryptedTextField


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field and stored case file with the first key in "
        "FIELD_ENCRYPTION_KEYS. Put the new key first, run this, then remove the old key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = [
                f.name
                for f in model._meta.get_fields()
                if isinstance(f, EncryptedTextField | EncryptedJSONListField)
            ]
            if not fields:
                continue
            count = 0
            for obj in model._default_manager.all().iterator(chunk_size=options["batch"]):
                with transaction.atomic():
                    obj.save(update_fields=fields)  # saving encrypts with the first key
                count += 1
            total += count
            self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
        files = 0
        CaseAttachment = apps.get_model("casework", "CaseAttachment")
        for attachment in CaseAttachment.objects.exclude(file="").iterator():
            storage, name = attachment.file.storage, attachment.file.name
            if not storage.exists(name):
                continue
            with storage.open(name, "rb") as handle:
                data = handle.read()
            rotated = crypto.rotate_bytes(data)
            with storage.open(name, "wb") as handle:
                handle.write(rotated)
            files += 1
        self.stdout.write(f"{total} rows and {files} files now use the current key.")
