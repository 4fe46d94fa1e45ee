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


def ascii_lower(email: str) -> str:
    """Lower-case ASCII letters only: `casefold` would make `straße@` match `strasse@`."""
    return email.strip().translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret",
             "server_metadata_url")


@dataclass(frozen=True)
class AccessPolicy:
    sign_in_required: bool
    allowed_emails: frozenset[str]
    broken: str = ""  # why sign-in is required but cannot work: then nothing is shown

    def allows(self, email: object, verified: object = None) -> bool:
        """Whether a signed-in account may see cohorts: its email is on the allowlist, exactly
        (ASCII case aside), and the provider says it is verified: the boolean true or the
        text "true" only (a "false", 0, "no" or a missing claim never lets anyone in)."""
        if not isinstance(email, str) or not email.strip() or not is_verified(verified):
            return False
        return ascii_lower(email) in self.allowed_emails


def is_verified(claim: object) -> bool:
    """An OpenID Connect `email_verified` claim that says yes: True, or "true" as some
    providers send it as text."""
    return claim is True or (isinstance(claim, str) and claim.strip().lower() == "true")


def policy_from(secrets: Mapping) -> AccessPolicy:
    """Sign-in is required when `[auth]` or an advisor allowlist is configured; if one is
    there without a working other, the policy is broken and fails closed."""
    advisors = secrets.get("cohort_advisor", {})
    has_allowlist = "allowed_emails" in advisors
    allowed: Iterable[str] = advisors.get("allowed_emails", [])
    auth = secrets.get("auth")
    required = auth is not None or has_allowlist
    broken = ""
    if has_allowlist and auth is None:
        broken = ("An advisor allowlist is configured but sign-in is not: the [auth] section "
                  "of secrets.toml is missing or misspelled.")
    elif auth is not None:
        missing = [key for key in AUTH_KEYS if key not in auth and not any(
            isinstance(value, Mapping) and key in value for value in auth.values())]
        if missing:
            broken = "Sign-in is configured but incomplete: [auth] lacks " + ", ".join(missing)
    return AccessPolicy(
        sign_in_required=required,
        # An empty entry never matches anyone (an empty claim is refused before it).
        allowed_emails=frozenset(ascii_lower(str(email)) for email in allowed
                                 if str(email).strip()),
        broken=broken,
    )


def current_policy() -> AccessPolicy:
    try:
        return policy_from(st.secrets)
    except FileNotFoundError:  # no secrets.toml at all: a local, single-user run
        return AccessPolicy(sign_in_required=False, allowed_emails=frozenset())


def signed_in_email() -> str | None:
    """The signed-in advisor's email (ASCII lower case), or None when sign-in is off."""
    if not current_policy().sign_in_required or not st.user.is_logged_in:
        return None
    email = st.user.get("email")
    return ascii_lower(email) if email else None


def require_access() -> None:
    """Stop the page before anything about students is shown, unless the viewer may see it."""
    policy = current_policy()
    if not policy.sign_in_required:
        return
    if policy.broken:
        st.title("Cohort Advisor")
        st.error("Sign-in is required on this server but cannot work, so nothing is shown.")
        st.text(policy.broken + " Ask the administrator to fix .streamlit/secrets.toml.")
        st.stop()
    if not st.user.is_logged_in:
        st.title("Cohort Advisor")
        st.write("Student records are private. Sign in with your institution account.")
        st.button("Sign in", on_click=st.login, type="primary", key="access_sign_in")
        st.stop()
    email = st.user.get("email")
    if not policy.allows(email, st.user.get("email_verified")):
        st.title("Cohort Advisor")
        st.error("This account is not on the list of advisors for this deployment. Ask the "
                 "administrator to add it, or sign in with another account.")
        st.button("Sign out", on_click=st.logout, key="access_sign_out_refused")
        st.stop()
    with st.sidebar:
        st.caption("Signed in as")
        st.text(email)
        st.button("Sign out", on_click=st.logout, key="access_sign_out")
