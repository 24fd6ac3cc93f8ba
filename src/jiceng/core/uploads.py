"""Uploaded files: the type is read from the file's first bytes, never from its name; stored
files that no row names are found for the daily sweep."""

import datetime

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

from . import audit
from .errors import DomainError

SIGNATURES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"%PDF-": "pdf"}
IMAGES = {"jpg", "png", "webp"}


def sniff(upload):
    """"jpg", "png", "webp", "pdf" or None."""
    head = upload.read(12)
    upload.seek(0)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return next((ext for sig, ext in SIGNATURES.items() if head.startswith(sig)), None)


def check(upload, allowed, max_mb, field, what="附件", allowed_text="照片（JPG、PNG、WebP）"):
    """The file's type if it is one of `allowed` and within `max_mb`; a DomainError otherwise."""
    if upload.size > max_mb * 1024 * 1024:
        raise DomainError("attachment_too_large", f"{what} {upload.size / 1048576:.1f} MB，超过 {max_mb} MB 的上限",
                          field)
    kind = sniff(upload)
    if kind not in allowed:
        raise DomainError("attachment_type", f"{what}只能是{allowed_text}", field)
    return kind


# A file is saved before the transaction that names it commits: a refused or rolled-back
# change, or a process killed midway, leaves it on disk with no row. Files younger than this
# may belong to a transaction still open, and are left for the next sweep.
SWEEP_GRACE = datetime.timedelta(days=1)


def _file_fields():
    """(model, field) of every FileField in the project."""
    return [(model, field) for model in apps.get_models() for field in model._meta.get_fields()
            if isinstance(field, models.FileField)]


def orphans(now=None):
    """Names of stored files, under the folders the FileFields upload to, that no row names and
    that are older than SWEEP_GRACE."""
    now, named, folders = now or timezone.now(), set(), set()
    for model, field in _file_fields():
        named.update(model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
                     .iterator(chunk_size=5000))
        folders.add(str(field.upload_to).split("/", 1)[0])
    found = []
    for folder in sorted(folders):
        for name in _stored(folder):
            if name not in named and now - default_storage.get_modified_time(name) > SWEEP_GRACE:
                found.append(name)
    return found


def _stored(folder):
    if not default_storage.exists(folder):
        return
    dirs, files = default_storage.listdir(folder)
    yield from (f"{folder}/{f}" for f in files)
    for d in dirs:
        yield from _stored(f"{folder}/{d}")


def sweep(now=None):
    """Delete the orphans, with one audit event naming them; how many were deleted."""
    found = orphans(now)
    for name in found:
        default_storage.delete(name)
    if found:
        audit.record(None, "core.sweep_uploads", object_type="media",
                     after={"deleted": found[:1000], "count": len(found)})
    return len(found)
