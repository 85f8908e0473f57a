from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portal.fields import EncryptedJSONListField, EncryptedTextField


class Command(BaseCommand):
    help = (
        "Check that a database (e.g. one just restored from a backup) is usable: migrations "
        "applied, tables readable, encrypted data readable with the configured keys."
    )

    def handle(self, *args, **options):
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise CommandError(f"{len(pending)} migrations are not applied.")
        total = 0
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            count = model._default_manager.count()
            total += count
            encrypted = [
                f.name
                for f in model._meta.get_fields()
                if isinstance(f, EncryptedTextField | EncryptedJSONListField)
            ]
            if encrypted and count:
                # Reading a row decrypts it: the keys must fit the data.
                model._default_manager.only("pk", *encrypted).first()
        self.stdout.write(f"OK: {total} rows readable across {len(apps.get_models())} models.")
