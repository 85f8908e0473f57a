"""Downloading a member's data as the member does: ask for it, re-authenticate, download the
ZIP once; and the JSON inside it."""

from __future__ import annotations

import io
import json
import zipfile

from django.urls import reverse

from portal.accounts.models import DataExport
from tests.factories import PASSWORD


def download_export(client, user, *, password: str = PASSWORD) -> zipfile.ZipFile:
    response = client.post(reverse("accounts:data_export"))
    assert response.status_code == 302
    export = DataExport.objects.filter(user=user).order_by("-requested_at", "-pk").first()
    assert export is not None and export.status == "ready", export and export.status
    client.post(reverse("account_reauthenticate"), {"password": password})
    response = client.get(reverse("accounts:data_export_download", args=[export.key]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def exported_json(client, user, **kwargs) -> dict:
    with download_export(client, user, **kwargs) as archive:
        return json.loads(archive.read("my-member-data.json"))
