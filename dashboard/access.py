"""Sign-in for a shared deployment: OIDC through `st.login`, plus an allowlist of advisors.

Configured in `.streamlit/secrets.toml`; without an `[auth]` section the app runs for the
local user only (the server listens on localhost, `.streamlit/config.toml`):

    [auth]
    redirect_uri = "https://advising.example.edu/oauth2callback"
    cookie_secret = "a long random string"
    client_id = "..."
    client_secret = "..."
    server_metadata_url = "https://login.example.edu/.well-known/openid-configuration"

    [cohort_advisor]
    allowed_emails = ["advisor.one@example.edu", "advisor.two@example.edu"]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class AccessPolicy:
    sign_in_required: bool
    allowed_emails: frozenset[str]

    def allows(self, email: str | None) -> bool:
        """Whether a signed-in account may see cohorts: its email is on the allowlist."""
        return email is not None and email.strip().casefold() in self.allowed_emails


def policy_from(secrets: Mapping) -> AccessPolicy:
    allowed: Iterable[str] = secrets.get("cohort_advisor", {}).get("allowed_emails", [])
    return AccessPolicy(
        sign_in_required="auth" in secrets,
        allowed_emails=frozenset(str(email).strip().casefold() for email in allowed),
    )


def current_policy() -> AccessPolicy:
    try:
        return policy_from(st.secrets)
    except FileNotFoundError:  # no secrets.toml at all: a local, single-user run
        return AccessPolicy(sign_in_required=False, allowed_emails=frozenset())


def require_access() -> None:
    """Stop the page before anything about students is shown, unless the viewer may see it."""
    policy = current_policy()
    if not policy.sign_in_required:
        return
    if not st.user.is_logged_in:
        st.title("Cohort Advisor")
        st.write("Student records are private. Sign in with your institution account.")
        st.button("Sign in", on_click=st.login, type="primary", key="access_sign_in")
        st.stop()
    email = st.user.get("email")
    if not policy.allows(email):
        st.title("Cohort Advisor")
        st.error("This account is not on the list of advisors for this deployment. Ask the "
                 "administrator to add it, or sign in with another account.")
        st.button("Sign out", on_click=st.logout, key="access_sign_out_refused")
        st.stop()
    with st.sidebar:
        st.caption("Signed in as")
        st.text(email)
        st.button("Sign out", on_click=st.logout, key="access_sign_out")
