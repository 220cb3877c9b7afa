"""Accounts and sign-in, in and out."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ocop_kit.auth import Role
from ocop_kit.text import Line, Name

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._@-]{2,63}$"


class SignIn(BaseModel):
    username: Line = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    role: Role
    province_code: str | None
    producer_id: str | None


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        pattern=USERNAME_PATTERN,
        description="3–64 lower-case letters, digits and . _ @ -",
    )
    password: str = Field(min_length=12, max_length=256)
    role: Role
    display_name: Name | None = Field(default=None, max_length=200)
    province_code: str | None = Field(default=None, pattern=r"^\d{2}$")
    producer_id: Line | None = Field(default=None, max_length=36)

    @model_validator(mode="after")
    def _scope_matches_role(self) -> AccountCreate:
        if self.role == "province_officer" and not self.province_code:
            raise ValueError(
                "Cán bộ tỉnh cần mã tỉnh (province_code) / A province officer needs a province_code"
            )
        if self.role == "producer" and not self.producer_id:
            raise ValueError(
                "Tài khoản chủ thể cần mã chủ thể (producer_id) / "
                "A producer account needs a producer_id"
            )
        return self


class AccountUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(default=None, min_length=12, max_length=256)
    display_name: Name | None = Field(default=None, max_length=200)
    active: bool | None = None


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    username: str
    display_name: str | None
    role: Role
    province_code: str | None
    producer_id: str | None
    active: bool
    created_at: datetime
    updated_at: datetime
    last_sign_in_at: datetime | None


class PasswordResetIssued(BaseModel):
    """A reset code, shown once to the administrator who hands it to the person."""

    account_id: str
    username: str
    code: str
    expires_at: datetime


class PasswordResetUse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=12, max_length=256)


class PasswordResetDone(BaseModel):
    username: str
