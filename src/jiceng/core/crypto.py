"""Field encryption (SM4) with a blind index, and masking for display.

Ciphertext: "sm4:" + base64(iv | SM4-CBC(PKCS7(plaintext)) | HMAC-SHA256 tag[:16]),
encrypt-then-MAC. SM4 comes from `cryptography` when its OpenSSL build has it, else from
the pure-Python `gmssl`. The blind index is HMAC-SHA256 of the normalized value under a
separate derived key, so equal values are findable without decrypting anything.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "sm4:"


@lru_cache(maxsize=4)
def _keys(master):
    if not master:
        raise ImproperlyConfigured("JICENG_FIELD_KEY is not set")
    root = hashlib.sha256(master.encode()).digest()

    def derive(label):
        return hmac.new(root, label, hashlib.sha256).digest()

    return derive(b"enc")[:16], derive(b"mac"), derive(b"index")


def _sm4_backend():
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        Cipher(algorithms.SM4(b"\0" * 16), modes.CBC(b"\0" * 16)).encryptor()

        def encrypt(key, iv, data):
            enc = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
            return enc.update(data) + enc.finalize()

        def decrypt(key, iv, data):
            dec = Cipher(algorithms.SM4(key), modes.CBC(iv)).decryptor()
            return dec.update(data) + dec.finalize()

        return encrypt, decrypt
    except Exception:  # OpenSSL without SM4: fall back to pure Python
        from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4

        # gmssl's crypt_cbc always adds (and strips) PKCS7 padding of its own, whatever
        # padding_mode says, so CBC is chained here over unpadded single-block ECB calls
        # (padding_mode=None: neither PKCS7 nor ZERO) to match `cryptography` byte for byte.
        def _cipher(key, mode):
            c = CryptSM4(padding_mode=None)  # we pad ourselves
            c.set_key(key, mode)
            return c

        def encrypt(key, iv, data):
            c, out, prev = _cipher(key, SM4_ENCRYPT), [], iv
            for i in range(0, len(data), 16):
                prev = c.crypt_ecb(bytes(a ^ b for a, b in zip(data[i:i + 16], prev)))
                out.append(prev)
            return b"".join(out)

        def decrypt(key, iv, data):
            c, out, prev = _cipher(key, SM4_DECRYPT), [], iv
            for i in range(0, len(data), 16):
                block = data[i:i + 16]
                out.append(bytes(a ^ b for a, b in zip(c.crypt_ecb(block), prev)))
                prev = block
            return b"".join(out)

        return encrypt, decrypt


_ENCRYPT, _DECRYPT = _sm4_backend()


def _pad(data):
    n = 16 - len(data) % 16
    return data + bytes([n]) * n


def _unpad(data):
    n = data[-1]
    if not 1 <= n <= 16 or data[-n:] != bytes([n]) * n:
        raise ValueError("bad padding")
    return data[:-n]


def encrypt(plaintext):
    if plaintext in (None, ""):
        return plaintext
    enc_key, mac_key, _ = _keys(settings.JICENG_FIELD_KEY)
    iv = os.urandom(16)
    body = iv + _ENCRYPT(enc_key, iv, _pad(plaintext.encode()))
    tag = hmac.new(mac_key, body, hashlib.sha256).digest()[:16]
    return PREFIX + base64.b64encode(body + tag).decode()


def decrypt(token):
    if token in (None, ""):
        return token
    if not token.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    enc_key, mac_key, _ = _keys(settings.JICENG_FIELD_KEY)
    raw = base64.b64decode(token[len(PREFIX):])
    body, tag = raw[:-16], raw[-16:]
    if not hmac.compare_digest(tag, hmac.new(mac_key, body, hashlib.sha256).digest()[:16]):
        raise ValueError("encrypted value failed its integrity check")
    return _unpad(_DECRYPT(enc_key, body[:16], body[16:])).decode()


def blind_index(value):
    if value in (None, ""):
        return None
    _, _, index_key = _keys(settings.JICENG_FIELD_KEY)
    return hmac.digest(index_key, value.encode(), "sha256").hex()[:40]


def mask_id_number(value):
    """110***********123X: the region's first three and the last four stay visible."""
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value):
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)
