"""One response per member, even when two submissions race (real transactions, threads)."""

import threading

import pytest
from django.db import IntegrityError, connection, connections

from consultations import services
from consultations.models import Answer, Response

from .conftest import answers_for, make_consultation, qs

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_concurrent_submissions_make_one_response(teacher):
    consultation = make_consultation()
    q = qs(consultation)
    barrier = threading.Barrier(6)
    errors = []

    def submit(i):
        try:
            barrier.wait(timeout=10)
            services.response_save(
                consultation=consultation,
                user=teacher.user,
                answers=answers_for(q, role=["Teacher", "Leader", "Adviser"][i % 3]),
                quote_consent="no",
                submit=i % 2 == 0,
            )
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert Response.objects.filter(consultation=consultation, user=teacher.user).count() == 1
    response = Response.objects.get()
    # Whoever came last, the answers are one coherent set: one answer to the single choice.
    assert Answer.objects.filter(response=response, question=q["role"]).count() == 1


def test_the_database_itself_refuses_a_second_response(teacher):
    consultation = make_consultation()
    Response.objects.create(consultation=consultation, user=teacher.user)
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO consultations_response (consultation_id, user_id, status, "
            "quote_consent, section, nation, employer_kind, created_at, updated_at) "
            "VALUES (%s, %s, 'draft', '', '', '', '', now(), now())",
            [consultation.pk, teacher.user.pk],
        )
