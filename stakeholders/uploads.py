"""Photos a registration keeps between its steps (see views.RegisterWorkspace)."""

import time
from pathlib import Path

from django.conf import settings

ABANDONED_AFTER_S = 24 * 3600


def registration_uploads_root() -> Path:
    return Path(settings.PRIVATE_UPLOAD_ROOT) / "registrations"


def registration_uploads_purge(*, older_than_s: int = ABANDONED_AFTER_S) -> int:
    """Delete the photos of registrations left unfinished for a day; returns how many."""
    root = registration_uploads_root()
    if not root.is_dir():
        return 0
    limit = time.time() - older_than_s
    removed = 0
    for path in root.rglob("*"):
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
