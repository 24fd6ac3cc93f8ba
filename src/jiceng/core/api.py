"""Shared API pieces: domain errors as stable codes, and the scoped viewset base."""

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError, NotFound


def _flatten(detail, field=None):
    """DRF's nested error details as [{field, code, detail}]."""
    if isinstance(detail, dict):
        return [e for key, value in detail.items()
                for e in _flatten(value, key if field is None or key == "non_field_errors" else f"{field}.{key}")]
    if isinstance(detail, list):
        return [e for item in detail for e in _flatten(item, field)]
    return [{"field": None if field == "non_field_errors" else field, "code": getattr(detail, "code", "invalid"),
             "detail": str(detail)}]


def exception_handler(exc, context):
    """Every API error has the same shape: {"code", "field", "detail"}, plus "errors" when
    several fields failed validation. Codes are stable; details are zh-Hans."""
    if isinstance(exc, NotFound):
        return Response(exc.as_dict(), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("对象不存在或不在您的权限范围内")
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = errors[0] if errors else {"field": None, "code": "invalid", "detail": "输入有误"}
        response.data = {"code": first["code"], "field": first["field"], "detail": first["detail"], "errors": errors}
    elif response is not None and isinstance(exc, exceptions.APIException):
        response.data = {"code": exc.get_codes() if isinstance(exc.get_codes(), str) else "error", "field": None,
                         "detail": str(exc.detail)}
    return response


class ScopedViewSetMixin:
    """Every API read goes through core.scoping.scope(); `scope_action` names the action."""

    scope_action = "view"
    base_queryset = None

    def get_queryset(self):
        from .scoping import scope

        return scope(self.request.user, self.base_queryset.all(), self.scope_action)
