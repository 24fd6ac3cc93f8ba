"""Where dues money comes in. A gateway starts collecting a recorded payment and confirms it
when the money is there; services.settle marks the months paid on confirmation.

The backend is the setting JICENG_DUES_GATEWAY (a dotted path); the default is the manual
one: the branch has the cash or sees the transfer, so a payment is confirmed as it is
recorded. An online backend would return a link from start() and confirm from its callback.
"""

from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT = "jiceng.dues.gateways.ManualGateway"


class Gateway(ABC):
    """The interface every backend implements."""

    name = ""
    label = ""

    @abstractmethod
    def start(self, payment):
        """Begin collecting `payment`. Return True when the money is already in (confirmed now),
        otherwise False, after arranging whatever the payer does next."""

    @abstractmethod
    def confirm(self, payment, reference=""):
        """Whether the money for `payment` has arrived (called from a callback or by hand)."""


class ManualGateway(Gateway):
    """Cash or bank transfer recorded by the branch: confirmed on recording."""

    name = "manual"
    label = "现金/转账（支部记录）"

    def start(self, payment):
        return True

    def confirm(self, payment, reference=""):
        return True


def backend():
    return import_string(getattr(settings, "JICENG_DUES_GATEWAY", DEFAULT))()
