"""HTTP: password sign-in (`POST /v1/auth/token`) and the accounts that may sign in."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from ocop_kit.app import DbSession
from ocop_kit.client_address import client_address
from ocop_kit.etag import check_if_match, set_etag
from ocop_kit.history import history_of
from ocop_kit.pagination import Page, paginate
from ocop_registry.access import Admin
from ocop_registry.access import Officer as Manager
from ocop_registry.accounts.models import Account
from ocop_registry.accounts.schemas import (
    AccountCreate,
    AccountOut,
    AccountUpdate,
    PasswordResetDone,
    PasswordResetIssued,
    PasswordResetUse,
    SignIn,
    TokenOut,
)
from ocop_registry.accounts.service import (
    create_account,
    get_account,
    issue_password_reset,
    sign_in,
    update_account,
    use_password_reset,
)
from ocop_registry.products.schemas import HistoryEntry

router = APIRouter(tags=["accounts"])


@router.post(
    "/v1/auth/token",
    summary="Sign in with a user name and password; returns a bearer token",
    responses={
        401: {"description": "Wrong user name or password"},
        429: {"description": "Too many failures; see Retry-After"},
    },
)
def post_token(data: SignIn, request: Request, session: DbSession) -> TokenOut:
    return sign_in(session, request.app.state.settings, data, client_address(request))


@router.post("/v1/accounts", status_code=201, summary="Create an account that can sign in")
def post_account(
    data: AccountCreate, session: DbSession, principal: Manager, response: Response
) -> AccountOut:
    account = create_account(session, data, principal)
    session.commit()
    set_etag(response, account.id, account.version)
    return AccountOut.model_validate(account)


@router.get("/v1/accounts", summary="Accounts (administrators)")
def list_accounts(
    session: DbSession,
    principal: Admin,
    role: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[AccountOut]:
    query = select(Account)
    if role:
        query = query.where(Account.role == role)
    rows, next_cursor = paginate(session, query, Account.id, cursor, limit)
    return Page(items=[AccountOut.model_validate(a) for a in rows], next_cursor=next_cursor)


@router.get("/v1/accounts/{account_id}", summary="One account")
def get_one(
    account_id: str, session: DbSession, principal: Manager, response: Response
) -> AccountOut:
    account = get_account(session, account_id, principal)
    set_etag(response, account.id, account.version)
    return AccountOut.model_validate(account)


@router.patch(
    "/v1/accounts/{account_id}",
    summary="Change a password or name, or deactivate an account (If-Match with the ETag read)",
)
def patch_account(
    account_id: str,
    data: AccountUpdate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Manager,
) -> AccountOut:
    account = get_account(session, account_id, principal)
    check_if_match(request, account.id, account.version)
    update_account(session, account, data, principal)
    session.commit()
    # After the commit: a failed write here is repaired when the registry next starts.
    request.app.state.token_versions.publish({account.id: account.token_version})
    set_etag(response, account.id, account.version)
    return AccountOut.model_validate(account)


@router.get("/v1/accounts/{account_id}/history", summary="Every change to an account")
def account_history(account_id: str, session: DbSession, principal: Manager) -> list[HistoryEntry]:
    account = get_account(session, account_id, principal)
    return [
        HistoryEntry.model_validate(r, from_attributes=True)
        for r in history_of(session, "account", account.id)
    ]


@router.post(
    "/v1/accounts/{account_id}/password-reset",
    status_code=201,
    summary="Issue a one-time, expiring password reset code (administrators)",
)
def post_password_reset(
    account_id: str, request: Request, session: DbSession, principal: Admin
) -> PasswordResetIssued:
    account = get_account(session, account_id, principal)
    reset, code = issue_password_reset(session, request.app.state.settings, account, principal)
    session.commit()
    return PasswordResetIssued(
        account_id=account.id, username=account.username, code=code, expires_at=reset.expires_at
    )


@router.post(
    "/v1/auth/password-reset",
    summary="Set a new password with a reset code; the account's older tokens stop working",
    responses={422: {"description": "Unknown, used or expired code, or a weak password"}},
)
def post_use_password_reset(
    data: PasswordResetUse, request: Request, session: DbSession
) -> PasswordResetDone:
    account = use_password_reset(session, data.code, data.password)
    session.commit()
    # After the commit: a failed write here is repaired when the registry next starts.
    request.app.state.token_versions.publish({account.id: account.token_version})
    return PasswordResetDone(username=account.username)
