"""Shared API pieces: domain errors as stable codes, and the scoped viewset base."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError, NotFound


def exception_handler(exc, context):
    if isinstance(exc, NotFound):
        return Response(exc.as_dict(), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


class ScopedViewSetMixin:
    """Every API read goes through core.scoping.scope(); `scope_action` names the action."""

    scope_action = "view"
    base_queryset = None

    def get_queryset(self):
        from .scoping import scope

        return scope(self.request.user, self.base_queryset.all(), self.scope_action)
