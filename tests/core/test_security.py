"""Deployment settings, passwords, login lockout and the idle session timeout."""

import os
import secrets
import string
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from jiceng.core.models import AuditEvent

from .. import builders as b

PASSWORD = "correct-horse-battery"


def jiceng(args, tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY",
                                                             "JICENG_FIELD_KEY", "ALLOWED_HOSTS"}}
    base.update({"JICENG_VAR_DIR": str(tmp_path), **env})
    return subprocess.run([sys.executable, "-m", "jiceng", *args], env=base, cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)


def production_env():
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return {"DEBUG": "0", "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
            "JICENG_FIELD_KEY": secrets.token_hex(32), "ALLOWED_HOSTS": "jiceng.example.org"}


def test_check_deploy_passes_in_production_settings(tmp_path):
    done = jiceng(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, **production_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_fails_in_debug(tmp_path):
    """The same check does catch a development configuration."""
    done = jiceng(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, DEBUG="1")
    assert done.returncode != 0
    assert "security.W018" in done.stderr  # DEBUG on


@pytest.mark.parametrize("field_key", [None, "", "development"])
def test_production_without_a_field_key_refuses_to_start(tmp_path, field_key):
    env = production_env()
    if field_key is None:
        del env["JICENG_FIELD_KEY"]
    else:
        env["JICENG_FIELD_KEY"] = django_settings.DEVELOPMENT_FIELD_KEY if field_key == "development" else ""
    done = jiceng(["check"], tmp_path, **env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "JICENG_FIELD_KEY" in done.stderr


@pytest.mark.real_password_hashing
def test_argon2_hashes_passwords(db):
    assert django_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert get_hasher("default").algorithm == "argon2"
    user = get_user_model().objects.create_user("someone", password=PASSWORD)
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("password", ["short1!", "password123", "1234567890123", "qwertyuiop"])
def test_weak_passwords_are_rejected(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_password_like_the_username_is_rejected(db):
    user = get_user_model()(username="zhangsanfeng", email="zhangsanfeng@example.org")
    with pytest.raises(ValidationError):
        validate_password("zhangsanfeng1", user)


def test_good_password_is_accepted():
    validate_password("correct-horse-battery-staple")


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def logged_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def account(db):
    province = b.org(None, "浙江省", "province", division_code="330000")
    return b.user("secretary_a", "secretary", province, password=PASSWORD)


def test_five_failures_lock_the_account(client, account):
    for i in range(1, django_settings.AXES_FAILURE_LIMIT + 1):
        page = login(client, "secretary_a", "wrong-password")
        assert not logged_in(client)
        assert page.status_code == (200 if i < django_settings.AXES_FAILURE_LIMIT else 429)  # the 5th locks
    page = login(client, "secretary_a", PASSWORD)
    assert not logged_in(client)
    assert page.status_code == 429
    assert "账号已暂时锁定" in page.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed", object_id="secretary_a").count() >= 5
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    # the lock is per username, not per address: another account still logs in
    b.user("auditor_a", "auditor", account.grants.first().node, password=PASSWORD)
    assert login(client, "auditor_a", PASSWORD).status_code == 302 and logged_in(client)


def test_four_failures_do_not_lock(client, account):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        login(client, "secretary_a", "wrong-password")
    page = login(client, "secretary_a", PASSWORD)
    assert page.status_code == 302 and logged_in(client)


def test_lockout_counts_failures_from_any_address(client, account):
    for i in range(django_settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "secretary_a", "password": "nope"}, REMOTE_ADDR=f"10.0.0.{i}")
    page = client.post("/accounts/login/", {"username": "secretary_a", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert not logged_in(client) and "账号已暂时锁定" in page.content.decode()


def test_idle_timeout_is_thirty_minutes(client, account):
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    assert django_settings.SESSION_SAVE_EVERY_REQUEST is True
    assert not django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert django_settings.AXES_COOLOFF_TIME * 60 == 30
    assert login(client, "secretary_a", PASSWORD).status_code == 302
    for _ in range(2):  # every request renews the 30 minutes
        page = client.get("/")
        cookie = page.cookies.get(django_settings.SESSION_COOKIE_NAME)
        assert cookie is not None and int(cookie["max-age"]) == 30 * 60
        assert cookie["httponly"]
    assert client.session.get_expiry_age() == 30 * 60


def test_expired_session_is_sent_to_login(client, account):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    login(client, "secretary_a", PASSWORD)
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))  # 30 idle minutes later
    page = client.get("/")
    assert page.status_code == 302 and page.url.startswith("/accounts/login/")


def test_a_fresh_checkout_migrates_into_a_var_directory_it_creates(tmp_path):
    var = tmp_path / "var"
    done = jiceng(["migrate", "-v0"], tmp_path, JICENG_VAR_DIR=str(var))
    assert done.returncode == 0, done.stderr
    assert (var / "jiceng.sqlite3").exists()
