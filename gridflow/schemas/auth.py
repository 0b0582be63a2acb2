"""Logging in: a bearer token for a username and password."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from gridflow.schemas.common import Input, Output, text


class LoginInput(Input):
    username: text(64)
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class UserView(Output):
    id: int
    username: str
    name: str
    role: str


class TokenOut(Output):
    token: str
    token_type: str  # "Bearer"
    expires_in: int  # seconds
    user: UserView
