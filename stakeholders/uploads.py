"""Files the web server must never serve directly: workspace photos (shown through a view
that checks who may see them) and the photos a registration keeps between its steps."""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

ABANDONED_AFTER_S = 24 * 3600


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_UPLOAD_ROOT/<folder>, read from the settings at each use (so a
    test's own folder counts), with no public URL."""

    def __init__(self, folder: str = "") -> None:
        super().__init__()
        self.folder = folder

    @property
    def base_location(self) -> str:
        return str(Path(settings.PRIVATE_UPLOAD_ROOT) / self.folder)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public address; link to the view that serves them.")


def registration_storage() -> PrivateStorage:
    return PrivateStorage("registrations")


def registration_uploads_purge(*, older_than_s: int = ABANDONED_AFTER_S) -> int:
    """Delete the photos of registrations left unfinished for a day; returns how many."""
    root = Path(registration_storage().location)
    if not root.is_dir():
        return 0
    limit = time.time() - older_than_s
    removed = 0
    for path in root.rglob("*"):
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
