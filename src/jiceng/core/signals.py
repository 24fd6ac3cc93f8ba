"""Every login, logout and failed login is written to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit


def _client(request):
    return {"ip": request.META.get("REMOTE_ADDR", "") if request else ""}


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(user, "auth.login", user, after=_client(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(user, "auth.logout", user, after=_client(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit.record(None, "auth.login_failed", object_type="auth.user",
                 object_id=str(credentials.get("username", ""))[:64], after=_client(request))
