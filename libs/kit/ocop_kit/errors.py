"""One error hierarchy, rendered as RFC 9457 problem details in Vietnamese and English.

`title` and `detail` are Vietnamese (the users' first language); `title_en` and `detail_en` carry
the English. Validation errors list each bad field in `errors`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from ocop_kit.logging import correlation_id

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


class FieldError(dict[str, Any]):
    """One bad field: `{field, message, message_en}`; `row` is added for import rows."""

    def __init__(self, field: str, message: str, message_en: str, **extra: Any) -> None:
        super().__init__(field=field, message=message, message_en=message_en, **extra)


class ProblemError(Exception):
    """Base of every error meant for the client; subclasses fix the status and the code."""

    status = 400
    code = "bad_request"
    title = "Yêu cầu không hợp lệ"
    title_en = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        detail_en: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail_en or detail or self.title_en)
        self.detail = detail
        self.detail_en = detail_en
        self.errors = errors
        self.headers = headers
        self.extra = extra

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://ocop.gov.vn/problems/{self.code}",
            "title": self.title,
            "title_en": self.title_en,
            "status": self.status,
            "code": self.code,
        }
        if self.detail:
            body["detail"] = self.detail
        if self.detail_en:
            body["detail_en"] = self.detail_en
        if instance:
            body["instance"] = instance
        if self.errors is not None:
            body["errors"] = list(self.errors)
        body.update(self.extra)
        return body


class ValidationFailed(ProblemError):
    status = 422
    code = "validation_failed"
    title = "Dữ liệu không hợp lệ"
    title_en = "Validation failed"


class Unauthorized(ProblemError):
    status = 401
    code = "unauthorized"
    title = "Cần đăng nhập"
    title_en = "Authentication required"


class Forbidden(ProblemError):
    status = 403
    code = "forbidden"
    title = "Không có quyền thực hiện"
    title_en = "Not allowed"


class NotFound(ProblemError):
    status = 404
    code = "not_found"
    title = "Không tìm thấy"
    title_en = "Not found"


class Conflict(ProblemError):
    status = 409
    code = "conflict"
    title = "Xung đột trạng thái"
    title_en = "Conflict"


class PreconditionFailed(ProblemError):
    status = 412
    code = "precondition_failed"
    title = "Bản ghi đã bị thay đổi"
    title_en = "The record has changed since you read it"


class PreconditionRequired(ProblemError):
    status = 428
    code = "precondition_required"
    title = "Thiếu tiêu đề If-Match"
    title_en = "If-Match header required"


class PayloadTooLarge(ProblemError):
    status = 413
    code = "payload_too_large"
    title = "Dữ liệu gửi lên quá lớn"
    title_en = "Payload too large"


class ServiceUnavailable(ProblemError):
    status = 503
    code = "service_unavailable"
    title = "Dịch vụ tạm thời không sẵn sàng"
    title_en = "Service temporarily unavailable"


class TooManyRequests(ProblemError):
    status = 429
    code = "too_many_requests"
    title = "Quá nhiều yêu cầu, vui lòng thử lại sau"
    title_en = "Too many requests, try again later"

    def __init__(self, detail: str, detail_en: str, *, retry_after_seconds: int) -> None:
        super().__init__(
            detail,
            detail_en,
            headers={"Retry-After": str(retry_after_seconds)},
            retry_after_seconds=retry_after_seconds,
        )


_PYDANTIC_VI = {
    "missing": "Thiếu trường bắt buộc",
    "string_too_short": "Giá trị quá ngắn",
    "string_too_long": "Giá trị quá dài",
    "int_parsing": "Phải là số nguyên",
    "float_parsing": "Phải là số",
    "greater_than_equal": "Giá trị quá nhỏ",
    "less_than_equal": "Giá trị quá lớn",
    "greater_than": "Giá trị quá nhỏ",
    "less_than": "Giá trị quá lớn",
    "literal_error": "Giá trị không thuộc danh sách cho phép",
    "enum": "Giá trị không thuộc danh sách cho phép",
    "date_from_datetime_parsing": "Ngày không hợp lệ",
    "date_parsing": "Ngày không hợp lệ",
    "string_pattern_mismatch": "Sai định dạng",
    "extra_forbidden": "Trường không được phép",
    "json_invalid": "JSON không hợp lệ",
    "model_attributes_type": "Phải là một đối tượng",
    "dict_type": "Phải là một đối tượng",
    "list_type": "Phải là một danh sách",
    "string_type": "Phải là chuỗi ký tự",
    "int_type": "Phải là số nguyên",
    "bool_type": "Phải là true hoặc false",
    "value_error": "Giá trị không hợp lệ",
}


def field_errors_from_pydantic(errors: list[Any], skip_location: int = 1) -> list[FieldError]:
    """Turn pydantic's errors into field errors (`body.address.ward_code` → `address.ward_code`)."""
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())][skip_location:]
        message_en = str(error.get("msg", "Invalid value"))
        ctx = error.get("ctx") or {}
        if error.get("type") == "value_error" and "error" in ctx:
            message_en = str(ctx["error"])
        message = _PYDANTIC_VI.get(str(error.get("type")), "Giá trị không hợp lệ")
        if error.get("type") == "value_error" and " / " in message_en:
            # Our own validators raise "tiếng Việt / English".
            message, message_en = message_en.split(" / ", 1)
        result.append(FieldError(".".join(loc) or "body", message, message_en))
    return result


def _problem_response(
    problem: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    cid = correlation_id.get()
    if cid:
        problem.setdefault("correlation_id", cid)
    return JSONResponse(
        problem, status_code=problem["status"], media_type=PROBLEM_JSON, headers=headers
    )


def problem_response(error: ProblemError, request: Request) -> JSONResponse:
    """The problem document of `error`, answering `request`."""
    return _problem_response(error.to_problem(request.url.path), error.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error of the app as a problem document."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors_from_pydantic(list(exc.errors()))
        problem = ValidationFailed(
            "Có trường dữ liệu không hợp lệ", "Some fields are invalid", errors=errors
        ).to_problem(request.url.path)
        return _problem_response(problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            404: ("Không tìm thấy", "Not found"),
            405: ("Phương thức không được hỗ trợ", "Method not allowed"),
        }
        vi, en = titles.get(exc.status_code, ("Lỗi yêu cầu", str(exc.detail)))
        problem = {
            "type": "about:blank",
            "title": vi,
            "title_en": en,
            "status": exc.status_code,
            "code": f"http_{exc.status_code}",
            "instance": request.url.path,
        }
        return _problem_response(problem, dict(exc.headers) if exc.headers else None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        problem = {
            "type": "about:blank",
            "title": "Lỗi hệ thống, vui lòng thử lại sau",
            "title_en": "Internal error, please try again later",
            "status": 500,
            "code": "internal_error",
            "instance": request.url.path,
        }
        return _problem_response(problem)


async def send_problem(send: Send, error: ProblemError, path: str) -> None:
    """Answer with the problem document of `error` from ASGI middleware (no Request there)."""
    payload = json.dumps(error.to_problem(path), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(b"content-type", PROBLEM_JSON.encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})
