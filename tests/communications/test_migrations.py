"""The data migration that records authors and retires hand-written "service messages"."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
BEFORE = [("communications", "0004_edits_skipped_review_replay")]
AFTER = [("communications", "0005_record_authors_and_retire_composed_service")]


@pytest.fixture
def back_to_latest():
    """Migrating back unapplies every later migration, of this app and of those built on
    it: the database goes forward to the latest of every app afterwards, for the tests
    that follow."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_unsent_service_messages_become_campaigns_and_lose_their_approval(back_to_latest):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User = apps.get_model("accounts", "User")
    Communication = apps.get_model("communications", "Communication")
    author = User.objects.create(email="author@example.org")
    approver = User.objects.create(email="approver@example.org")

    def make(status, kind="service"):
        return Communication.objects.create(
            kind=kind,
            subject=status,
            body="x",
            status=status,
            created_by=author,
            approved_by=approver if status != "draft" else None,
        ).pk

    approved, sent, newsletter = make("approved"), make("sent"), make("approved", "newsletter")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Communication = apps.get_model("communications", "Communication")
    CommunicationEdit = apps.get_model("communications", "CommunicationEdit")
    rows = {c.pk: c for c in Communication.objects.all()}
    assert (rows[approved].kind, rows[approved].status, rows[approved].approved_by_id) == (
        "campaign",
        "draft",
        None,
    )
    assert (rows[sent].kind, rows[sent].status) == ("service", "sent")  # history kept
    assert (rows[newsletter].kind, rows[newsletter].status) == ("newsletter", "approved")
    assert set(CommunicationEdit.objects.values_list("communication_id", "by_id")) == {
        (pk, author.pk) for pk in rows
    }
