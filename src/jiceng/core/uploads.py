"""Uploaded files: the type is read from the file's first bytes, never from its name."""

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
