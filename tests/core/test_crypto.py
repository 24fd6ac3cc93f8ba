"""Field encryption (SM4 + HMAC), blind indexes, masking, and encryption at rest."""

import base64
import os
import sqlite3
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.ciphers import algorithms

from jiceng.core import crypto

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


def test_roundtrip():
    for plaintext in (ID_NUMBER, PHONE, "张三", "x" * 15, "y" * 16, "z" * 17, "长" * 40):
        token = crypto.encrypt(plaintext)
        assert token.startswith(crypto.PREFIX)
        assert plaintext not in token
        assert crypto.decrypt(token) == plaintext


def test_empty_values_pass_through():
    assert crypto.encrypt("") == "" and crypto.encrypt(None) is None
    assert crypto.decrypt("") == "" and crypto.decrypt(None) is None
    assert crypto.blind_index("") is None and crypto.blind_index(None) is None


def test_random_iv_but_equal_blind_index():
    a, b = crypto.encrypt(ID_NUMBER), crypto.encrypt(ID_NUMBER)
    assert a != b
    raw_a, raw_b = base64.b64decode(a[len(crypto.PREFIX):]), base64.b64decode(b[len(crypto.PREFIX):])
    assert raw_a[:16] != raw_b[:16]  # the IVs differ
    assert crypto.blind_index(ID_NUMBER) == crypto.blind_index(ID_NUMBER)
    assert crypto.blind_index(ID_NUMBER) != crypto.blind_index(ID_NUMBER[:-1] + "9")
    assert len(crypto.blind_index(ID_NUMBER)) == 40
    assert ID_NUMBER not in crypto.blind_index(ID_NUMBER)


@pytest.mark.parametrize("where", ["iv", "body", "tag"])
def test_tampered_ciphertext_fails_integrity_check(where):
    token = crypto.encrypt(ID_NUMBER)
    raw = bytearray(base64.b64decode(token[len(crypto.PREFIX):]))
    index = {"iv": 3, "body": 20, "tag": len(raw) - 2}[where]
    raw[index] ^= 0x01
    forged = crypto.PREFIX + base64.b64encode(bytes(raw)).decode()
    with pytest.raises(ValueError, match="integrity"):
        crypto.decrypt(forged)


def test_not_an_encrypted_value():
    with pytest.raises(ValueError):
        crypto.decrypt(ID_NUMBER)


def test_other_key_cannot_decrypt_or_match(settings):
    token, index = crypto.encrypt(ID_NUMBER), crypto.blind_index(ID_NUMBER)
    settings.JICENG_FIELD_KEY = "another-key-entirely-0123456789abcdef"
    with pytest.raises(ValueError, match="integrity"):
        crypto.decrypt(token)
    assert crypto.blind_index(ID_NUMBER) != index


def test_masking():
    assert crypto.mask_id_number("110105194912310123") == "110***********0123"
    assert crypto.mask_id_number(ID_NUMBER) == "110***********002X"
    assert crypto.mask_id_number("") == ""
    assert crypto.mask_phone(PHONE) == "138****5678"
    assert crypto.mask_phone("") == ""
    assert crypto.mask_phone("1234567") == "*******"  # too short to show anything


def _gmssl_backend(monkeypatch):
    """The pure-Python fallback, as `_sm4_backend()` builds it where OpenSSL lacks SM4."""

    def no_sm4(key):
        raise RuntimeError("this OpenSSL has no SM4")

    with monkeypatch.context() as m:
        m.setattr(algorithms, "SM4", no_sm4)
        encrypt, decrypt = crypto._sm4_backend()
    return encrypt, decrypt


@pytest.mark.parametrize("plaintext", [b"", b"short", b"330523198503140017", b"a" * 16, b"b" * 33])
def test_gmssl_fallback_agrees_with_cryptography(monkeypatch, plaintext):
    native_encrypt, native_decrypt = crypto._sm4_backend()
    gm_encrypt, gm_decrypt = _gmssl_backend(monkeypatch)
    assert gm_encrypt is not native_encrypt
    key, iv = os.urandom(16), os.urandom(16)
    padded = crypto._pad(plaintext)
    by_gmssl = gm_encrypt(key, iv, padded)
    by_native = native_encrypt(key, iv, padded)
    assert by_gmssl == by_native
    assert crypto._unpad(native_decrypt(key, iv, by_gmssl)) == plaintext
    assert crypto._unpad(gm_decrypt(key, iv, by_native)) == plaintext


def test_tokens_written_by_the_fallback_are_read_by_cryptography(monkeypatch):
    gm_encrypt, gm_decrypt = _gmssl_backend(monkeypatch)
    with monkeypatch.context() as m:
        m.setattr(crypto, "_ENCRYPT", gm_encrypt)
        token = crypto.encrypt(ID_NUMBER)
    assert crypto.decrypt(token) == ID_NUMBER  # cryptography's SM4
    native_token = crypto.encrypt(PHONE)
    with monkeypatch.context() as m:
        m.setattr(crypto, "_DECRYPT", gm_decrypt)
        assert crypto.decrypt(native_token) == PHONE


def test_demo_database_holds_no_plaintext_numbers(tmp_path, settings):
    """Runs on any DATABASE_URL: the demo writes its own SQLite file under JICENG_VAR_DIR."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(JICENG_VAR_DIR=str(tmp_path), DEBUG="1", JICENG_FIELD_KEY=settings.JICENG_FIELD_KEY)
    done = subprocess.run([sys.executable, "-m", "jiceng", "demo", "--scale", "small"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    db_file = tmp_path / "jiceng.sqlite3"
    with sqlite3.connect(db_file) as conn:
        rows = conn.execute(
            "SELECT name, id_number_enc, id_number_index, phone_enc FROM people_person ORDER BY id"
        ).fetchall()
    conn.close()
    assert len(rows) > 100
    sample = rows[:: max(1, len(rows) // 60)]
    id_numbers = [crypto.decrypt(r[1]) for r in sample]
    phones = [crypto.decrypt(r[3]) for r in sample if r[3]]
    assert all(len(n) == 18 for n in id_numbers) and len(phones) >= 10
    assert [crypto.blind_index(n) for n in id_numbers] == [r[2] for r in sample]
    blob = db_file.read_bytes()
    wal = tmp_path / "jiceng.sqlite3-wal"
    if wal.exists():
        blob += wal.read_bytes()
    assert sample[0][0].encode() in blob  # sanity: names are stored as they are
    for value in id_numbers + phones:
        assert value.encode() not in blob, f"{crypto.mask_id_number(value)} stored in plain text"
        assert value.encode("utf-16-le") not in blob
