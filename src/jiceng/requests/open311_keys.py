"""Open311 api_keys: one per client application, shown once when issued.

Only a SHA-256 digest of a key is stored. A plain digest (no salt, no slow hash) is enough
because the keys are 256-bit random strings, not passwords someone chose; and unlike a
blind index it does not depend on JICENG_FIELD_KEY, so keys survive a re-keying.
"""

import hashlib
import secrets

from django.db import transaction

from jiceng.core import audit
from jiceng.core.errors import DomainError

from .models import ApiClient

NAME_MAX = ApiClient._meta.get_field("name").max_length


def digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def authenticate(key):
    """The active client holding `key`, or None."""
    if not key:
        return None
    return ApiClient.objects.filter(key_digest=digest(key), active=True).first()


@transaction.atomic
def issue(actor, name):
    """A new client named `name`; returns (client, key). The key is never available again."""
    name = (name or "").strip()
    if not name:
        raise DomainError("name_required", "请填写接入应用的名称", "name")
    if len(name) > NAME_MAX:
        raise DomainError("name_too_long", f"接入应用的名称最多 {NAME_MAX} 个字，现有 {len(name)} 个字", "name")
    key = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(name=name, key_digest=digest(key))
    audit.record(actor, "requests.api_client_issue", client, after={"name": name})
    return client, key


@transaction.atomic
def revoke(actor, client):
    """Stop accepting the client's key (the client and its requests stay)."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if not client.active:
        raise DomainError("already_revoked", f"接入应用“{client.name}”的密钥已停用")
    client.active = False
    client.save(update_fields=["active"])
    audit.record(actor, "requests.api_client_revoke", client, before={"active": True}, after={"active": False})
    return client
