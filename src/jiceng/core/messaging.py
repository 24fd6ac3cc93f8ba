"""Sending a notice outside the app (SMS, WeChat template message) sits behind one small
interface; the default backend only logs. Choose one with JICENG_MESSAGE_BACKEND."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("jiceng.messaging")


class LoggingBackend:
    def send(self, user, title, body, link=""):
        log.info("notice to %s: %s — %s %s", user.get_username(), title, body, link)


def backend():
    return import_string(getattr(settings, "JICENG_MESSAGE_BACKEND", "jiceng.core.messaging.LoggingBackend"))()
