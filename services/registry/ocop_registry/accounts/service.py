"""Accounts and password sign-in, with throttling of repeated failures.

Passwords are kept as Argon2id hashes (argon2-cffi's defaults, RFC 9106). After
`sign_in_max_failures` failures for one user name from one client address,
`sign_in_max_failures_per_user` for one user name from all clients, or
`sign_in_max_failures_per_client` from one client address, within `sign_in_window_seconds`,
sign-in is refused with 429 until the oldest of those failures leaves the window, even with the
right password, so guessing stays slow while one guesser cannot lock the owner out.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocop_kit.auth import Principal, issue_token
from ocop_kit.db import ServiceDatabase, utc_now
from ocop_kit.errors import (
    Conflict,
    FieldError,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from ocop_kit.history import record_change
from ocop_kit.revocation import TokenVersions
from ocop_registry import access
from ocop_registry.accounts.models import Account, PasswordReset, SignInFailure
from ocop_registry.accounts.password_policy import password_problem
from ocop_registry.accounts.schemas import AccountCreate, AccountUpdate, SignIn, TokenOut
from ocop_registry.producers.models import Producer
from ocop_registry.settings import Settings

log = logging.getLogger(__name__)
_hasher = PasswordHasher()
# Verified against when the user name is unknown, so a wrong name costs as long as a wrong password.
_UNKNOWN_USER_HASH = _hasher.hash("no account has this password")


def account_snapshot(account: Account) -> dict[str, Any]:
    """What history keeps of an account: never the password hash."""
    return {
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role,
        "province_code": account.province_code,
        "producer_id": account.producer_id,
        "active": account.active,
    }


def _refuse_weak_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise ValidationFailed(
            "Mật khẩu không dùng được",
            "The password cannot be used",
            errors=[FieldError("password", *problem)],
        )


def create_account(session: Session, data: AccountCreate, principal: Principal) -> Account:
    access.ensure_may_manage_account(session, principal, data.role, data.producer_id)
    _refuse_weak_password(data.password, data.username)
    if data.producer_id and session.get(Producer, data.producer_id) is None:
        raise ValidationFailed(
            "Không có chủ thể này",
            "No such producer",
            errors=[FieldError("producer_id", "Không có chủ thể này", "No such producer")],
        )
    if session.scalar(select(Account.id).where(Account.username == data.username)):
        raise Conflict("Tên đăng nhập đã có người dùng", "The user name is taken")
    account = Account(
        username=data.username,
        display_name=data.display_name,
        password_hash=_hasher.hash(data.password),
        role=data.role,
        province_code=data.province_code if data.role == "province_officer" else None,
        producer_id=data.producer_id if data.role == "producer" else None,
    )
    session.add(account)
    session.flush()
    record_change(
        session,
        "account",
        account.id,
        "created",
        principal.subject,
        None,
        account_snapshot(account),
    )
    return account


def get_account(session: Session, account_id: str, principal: Principal) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("Không có tài khoản này", "No such account")
    access.ensure_may_manage_account(session, principal, account.role, account.producer_id)
    return account


def update_account(
    session: Session, account: Account, data: AccountUpdate, principal: Principal
) -> None:
    before = account_snapshot(account)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("password"):
        _refuse_weak_password(changes["password"], account.username)
        account.password_hash = _hasher.hash(changes["password"])
    if "display_name" in changes:
        account.display_name = changes["display_name"]
    if changes.get("password") or (account.active and changes.get("active") is False):
        account.token_version += 1
    if changes.get("active") is not None:
        account.active = changes["active"]
    account.version += 1
    account.updated_at = utc_now()
    after = account_snapshot(account)
    if changes.get("password"):
        after["password_changed"] = True
    record_change(session, "account", account.id, "updated", principal.subject, before, after)


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def issue_password_reset(
    session: Session, settings: Settings, account: Account, principal: Principal
) -> tuple[PasswordReset, str]:
    """A new one-time reset code for `account` (administrators only); earlier unused codes of
    the account stop working, so only the last one handed out is valid."""
    access.ensure_may_issue_password_reset(principal)
    if not account.active:
        raise Conflict(
            "Tài khoản đã bị khóa; hãy mở lại trước khi đặt lại mật khẩu",
            "The account is deactivated; reactivate it before resetting its password",
        )
    now = utc_now()
    for earlier in session.scalars(
        select(PasswordReset).where(
            PasswordReset.account_id == account.id, PasswordReset.used_at.is_(None)
        )
    ):
        earlier.expires_at = min(earlier.expires_at, now)
    code = secrets.token_urlsafe(18)
    reset = PasswordReset(
        account_id=account.id,
        code_hash=_code_hash(code),
        expires_at=now + timedelta(seconds=settings.password_reset_ttl_seconds),
        created_by=principal.subject,
        created_at=now,
    )
    session.add(reset)
    session.flush()
    record_change(
        session,
        "account",
        account.id,
        "password_reset_issued",
        principal.subject,
        None,
        {"expires_at": reset.expires_at.isoformat()},
    )
    return reset, code


def use_password_reset(session: Session, code: str, password: str) -> Account:
    """Set a new password with a reset code: the code is used up, the password must pass the
    same strength rule as any other, and the account's older tokens stop working. Nothing is
    written unless all of it holds."""
    now = utc_now()
    reset = session.scalar(select(PasswordReset).where(PasswordReset.code_hash == _code_hash(code)))
    account = session.get(Account, reset.account_id) if reset is not None else None
    if (
        reset is None
        or account is None
        or reset.used_at is not None
        or reset.expires_at <= now
        or not account.active
    ):
        raise ValidationFailed(
            "Mã đặt lại mật khẩu không dùng được",
            "The password reset code cannot be used",
            errors=[
                FieldError(
                    "code",
                    "Mã không đúng, đã dùng hoặc đã hết hạn; hãy xin quản trị viên mã mới",
                    "The code is wrong, used or expired; ask your administrator for a new one",
                )
            ],
        )
    _refuse_weak_password(password, account.username)
    before = account_snapshot(account)
    account.password_hash = _hasher.hash(password)
    account.token_version += 1
    account.version += 1
    account.updated_at = now
    reset.used_at = now
    record_change(
        session,
        "account",
        account.id,
        "password_reset",
        account.id,
        before,
        {**account_snapshot(account), "password_changed": True},
    )
    return account


def sign_in(session: Session, settings: Settings, data: SignIn, client: str) -> TokenOut:
    """A token for the right user name and password; 401 otherwise, 429 while throttled.

    Failed attempts are committed here, whatever the caller does with the error."""
    username = data.username.strip().lower()
    now = utc_now()
    _refuse_while_throttled(session, settings, username, client, now)
    account = session.scalar(select(Account).where(Account.username == username))
    if not _password_matches(account, data.password):
        session.add(SignInFailure(username=username, client=client, at=now))
        window_start = now - timedelta(seconds=settings.sign_in_window_seconds)
        session.execute(delete(SignInFailure).where(SignInFailure.at < window_start))
        session.commit()
        log.warning("sign-in failed", extra={"username": username, "client": client})
        raise Unauthorized("Sai tên đăng nhập hoặc mật khẩu", "Wrong user name or password")
    assert account is not None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(data.password)
    account.last_sign_in_at = now
    session.execute(
        delete(SignInFailure).where(
            SignInFailure.username == username, SignInFailure.client == client
        )
    )
    session.commit()
    ttl = settings.token_ttl_seconds
    token = issue_token(
        settings,
        account.role,
        subject=account.id,
        province_code=account.province_code,
        producer_id=account.producer_id,
        ttl_seconds=ttl,
        token_version=account.token_version,
        name=account.display_name or account.username,
    )
    return TokenOut(
        access_token=token,
        expires_in=ttl,
        role=account.role,
        province_code=account.province_code,
        producer_id=account.producer_id,
    )


def _password_matches(account: Account | None, password: str) -> bool:
    try:
        hashed = account.password_hash if account and account.active else _UNKNOWN_USER_HASH
        return _hasher.verify(hashed, password) and account is not None and account.active
    except (VerificationError, InvalidHashError):
        return False


def _refuse_while_throttled(
    session: Session, settings: Settings, username: str, client: str, now: datetime
) -> None:
    window = timedelta(seconds=settings.sign_in_window_seconds)
    for condition, limit in (
        # One client guessing one account is paused soon; the account stays open to its
        # owner elsewhere, so failing its password cannot lock someone out.
        (
            (SignInFailure.username == username) & (SignInFailure.client == client),
            settings.sign_in_max_failures,
        ),
        (SignInFailure.username == username, settings.sign_in_max_failures_per_user),
        (SignInFailure.client == client, settings.sign_in_max_failures_per_client),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(SignInFailure.at)).where(
                condition, SignInFailure.at >= now - window
            )
        ).one()
        if count >= limit:
            wait = max(1, int((oldest + window - now).total_seconds()) + 1)
            raise TooManyRequests(
                f"Đăng nhập sai quá nhiều lần; thử lại sau {wait} giây",
                f"Too many failed sign-ins; try again in {wait} seconds",
                retry_after_seconds=wait,
            )


def publish_token_versions(db: ServiceDatabase, versions: TokenVersions) -> None:
    """Write every revoked account's token version to the shared store on start, so a
    revocation whose write was lost (a crash after the commit, a Redis without persistence)
    holds again."""
    with db.session() as session:
        rows = session.execute(
            select(Account.id, Account.token_version).where(Account.token_version > 1)
        ).all()
    versions.publish({account_id: version for account_id, version in rows})


def ensure_bootstrap_admin(db: ServiceDatabase, settings: Settings) -> None:
    """On a new deployment, create the `admin` account from OCOP_BOOTSTRAP_ADMIN_PASSWORD, so
    the first administrator can sign in and create everyone else's accounts."""
    password = settings.bootstrap_admin_password
    if password is None:
        return
    try:
        with db.session() as session:
            if session.scalar(select(func.count()).select_from(Account)):
                return
            admin = Account(
                username="admin",
                display_name="Quản trị hệ thống",
                password_hash=_hasher.hash(password.get_secret_value()),
                role="admin",
            )
            session.add(admin)
            session.flush()
            record_change(
                session, "account", admin.id, "created", "bootstrap", None, account_snapshot(admin)
            )
    except IntegrityError:
        return  # another process of the registry created it at the same moment
    log.info("bootstrap admin account created")
