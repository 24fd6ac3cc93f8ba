"""Domain errors: a stable code for the API, a zh-Hans message for people, the field at fault."""


class DomainError(Exception):
    def __init__(self, code, message, field=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self):
        return {"code": self.code, "field": self.field, "detail": self.message}


class NotFound(DomainError):
    """Raised when an object is missing or outside the caller's scope (the two look the same)."""

    def __init__(self, message="对象不存在或不在您的权限范围内"):
        super().__init__("not_found", message)
