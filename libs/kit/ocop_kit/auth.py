"""Bearer tokens with the roles and scopes of docs/API.md.

Reads of public data need no token; every write needs one. A province officer acts only in their
province, a producer only on their own records.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from ocop_kit.errors import Forbidden, Unauthorized
from ocop_kit.revocation import TokenVersions
from ocop_kit.settings import KitSettings

Role = Literal["admin", "province_officer", "council_member", "producer", "sync_operator"]
ROLES: tuple[Role, ...] = (
    "admin",
    "province_officer",
    "council_member",
    "producer",
    "sync_operator",
)
ALGORITHM = "HS256"


class Principal(BaseModel):
    """Who is calling: a subject, a role, and the province or producer a token is scoped to."""

    subject: str
    role: Role
    province_code: str | None = None
    producer_id: str | None = None
    # The person's name as pages show it (an account's display name); None in scripts' tokens.
    name: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_act_in_province(self, province_code: str | None) -> bool:
        """Admins act everywhere; a province officer only in their own province."""
        if self.is_admin:
            return True
        return self.role == "province_officer" and province_code == self.province_code

    def may_act_for_producer(self, producer_id: str, province_code: str | None) -> bool:
        """A producer acts on its own records; the province's officer and admins on all of them."""
        if self.role == "producer":
            return producer_id == self.producer_id
        return self.may_act_in_province(province_code)

    def province_in_charge(self, province_code: str | None) -> str | None:
        """The province a province-wide list is limited to: an officer's own (asking for
        another is refused), an admin's choice (None: the whole country)."""
        if self.role != "province_officer":
            return province_code
        if province_code and province_code != self.province_code:
            raise Forbidden(
                "Bạn chỉ xem được số liệu của tỉnh mình",
                "You may see only your own province's records",
            )
        return self.province_code


def issue_token(
    settings: KitSettings,
    role: Role,
    *,
    subject: str | None = None,
    province_code: str | None = None,
    producer_id: str | None = None,
    ttl_seconds: int | None = None,
    token_version: int | None = None,
    name: str | None = None,
) -> str:
    """Sign a bearer token for a principal; an account's token carries its `token_version`,
    so raising the version revokes it."""
    if role == "province_officer" and not province_code:
        raise ValueError("a province_officer token needs a province code")
    if role == "producer" and not producer_id:
        raise ValueError("a producer token needs a producer id")
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": subject or role,
        "role": role,
        "iat": now,
        "exp": now + (ttl_seconds or settings.token_ttl_seconds),
    }
    if province_code:
        claims["province"] = province_code
    if producer_id:
        claims["producer"] = producer_id
    if token_version is not None:
        claims["ver"] = token_version
    if name:
        claims["name"] = name
    return jwt.encode(claims, settings.signing_key(), algorithm=ALGORITHM)


def decode_token(settings: KitSettings, versions: TokenVersions, token: str) -> Principal:
    """The principal of a valid token; 401 for a bad, expired or revoked one."""
    try:
        claims = jwt.decode(
            token,
            settings.signing_key(),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "role"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("Phiên đăng nhập đã hết hạn", "The token has expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("Mã truy cập không hợp lệ", "Invalid bearer token") from exc
    if claims.get("role") not in ROLES:
        raise Unauthorized("Vai trò không hợp lệ", "Unknown role in token")
    version = claims.get("ver")
    if version is not None and (
        not isinstance(version, int) or not versions.is_current(str(claims["sub"]), version)
    ):
        raise Unauthorized(
            "Mã truy cập đã bị thu hồi; vui lòng đăng nhập lại",
            "The token was revoked; please sign in again",
        )
    return Principal(
        subject=claims["sub"],
        role=claims["role"],
        province_code=claims.get("province"),
        producer_id=claims.get("producer"),
        name=claims.get("name") if isinstance(claims.get("name"), str) else None,
    )


# FastAPI's scheme reads the header and documents it in every service's OpenAPI; it does not
# refuse by itself (auto_error=False), so the refusals below stay our problem details.
bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="`Authorization: Bearer <token>`; reads of public data need none.",
)


def optional_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal | None:
    """The caller, if a bearer token was sent (a bad token, or another scheme, is still an
    error)."""
    if credentials is None:
        if request.headers.get("authorization"):
            raise Unauthorized("Cần gửi mã truy cập dạng Bearer", "Expected a Bearer token")
        return None
    settings, versions = request.app.state.settings, request.app.state.token_versions
    return decode_token(settings, versions, credentials.credentials)


def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise Unauthorized(
            "Cần đăng nhập để thực hiện thao tác này",
            "A bearer token is required for this operation",
        )
    return principal


def require_roles(*roles: Role) -> Any:
    """A dependency that lets through only the given roles (admins always)."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role != "admin" and principal.role not in roles:
            raise Forbidden(
                f"Vai trò {principal.role} không được phép thao tác này",
                f"Role {principal.role} may not do this",
            )
        return principal

    return Depends(check)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
