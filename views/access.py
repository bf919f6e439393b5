"""Who is looking, and so what they may see and do: sign-in, roles and the three ways to run the app.

Why: the app holds partner detail (exact small counts, action-day locations, the Clear Hold Build
register) and can change the store (imports, undo, designations). Anyone who can reach the server must
see only public-safe figures unless they have signed in as a partner; only an analyst may write; and
every write records who made it.

The rules, written down (the role is worked out by :func:`role_for`, a pure function):

* **Modes** (``data/access.toml``, or ``$HOTSPOTS_MODE``):
  ``local`` - one analyst on their own computer: no sign-in and full access, but only while the server
  listens on this computer alone (127.0.0.1, as ``.streamlit/config.toml`` sets); bound to any other
  address everyone is public, so a local install moved onto a network leaks nothing.
  ``partner`` - Streamlit's built-in OpenID Connect sign-in (``st.login``, configured under ``[auth]`` in
  ``.streamlit/secrets.toml``, so a council plugs in its own identity provider); signed out, or with no
  identity provider configured, everyone is public.
  ``public`` - no sign-in at all: public-safe output for everyone.
* **Roles** public < partner < analyst. A signed-in user's role comes from the identity provider's roles
  claim (``roles_claim``), then the email lists; anyone else who signs in is a partner.
* **Audience.** Partners and analysts get partner figures; everyone else the public-safe ones
  (:class:`briefing.suppression.Disclosure`).
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import streamlit as st

import config
from briefing.suppression import AUDIENCES, Audience
from views.text import plain

Role = Literal["public", "partner", "analyst"]
ROLES: tuple[Role, ...] = ("public", "partner", "analyst")
#: Server addresses that reach only this computer.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Viewer:
    """The person using the app: their role, who they are (for the audit log) and what to tell them."""

    role: Role
    mode: str
    #: recorded with every write: the signed-in email, or the computer's login name in local mode
    who: str | None
    #: one line for the sidebar: how the app is run and what this person may see
    note: str
    signed_in: bool = False
    #: presentation mode for a projector: the session shows what the public sees, whatever the role
    presenting: bool = False

    def at_least(self, role: Role) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def audience(self) -> Audience:
        return "partner" if self.at_least("partner") else "public"


def _matches(email: str, patterns: tuple[str, ...]) -> bool:
    email = email.lower()
    return any(email == p or (p.startswith("@") and email.endswith(p)) for p in patterns)


def role_for(
    settings: config.AccessSettings,
    *,
    address: str,
    auth_configured: bool,
    claims: Mapping[str, object] | None,
) -> tuple[Role, str]:
    """The role of the person using the app, and the sidebar's words for it.

    ``address`` is the server's bind address; ``claims`` the signed-in user's ID-token claims (None when
    nobody is signed in).
    """
    if settings.mode == "public":
        return "public", "Public version: figures are rounded off for publication (small numbers hidden)."
    if settings.mode == "local":
        if address in LOOPBACK:
            return "analyst", "Local mode: one analyst on this computer (127.0.0.1), no sign-in."
        return "public", (
            f"Local mode, but the server listens on {address or 'every network address'}: only public "
            "figures are shown. Run it with --server.address 127.0.0.1, or set up sign-in."
        )
    if not auth_configured:
        return "public", "Sign-in is not set up on this server, so only public figures are shown."
    if claims is None:
        return "public", "Public figures. Partners: sign in to see full detail."
    granted = claims.get(settings.roles_claim) or []
    granted = {str(granted)} if isinstance(granted, str) else {str(r) for r in granted}  # type: ignore[union-attr]
    email = str(claims.get("email") or "")
    if "analyst" in granted or (email and _matches(email, settings.analysts)):
        return "analyst", "Signed in as an analyst: full detail, imports and designations."
    return "partner", "Signed in as a partner: full detail."


def _auth_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` names an identity provider under ``[auth]``."""
    try:
        auth = st.secrets.get("auth")
    except Exception:  # no secrets file at all: Streamlit raises its own not-found error  # noqa: BLE001
        return False
    return bool(auth) and "client_id" in auth and "server_metadata_url" in auth


def current_viewer() -> Viewer:
    """The person using the app in this session (see the module rules)."""
    settings = config.access()
    configured = settings.mode == "partner" and _auth_configured()
    signed_in = configured and bool(st.user.is_logged_in)
    claims = dict(st.user.to_dict()) if signed_in else None
    address = str(st.get_option("server.address") or "")
    role, note = role_for(settings, address=address, auth_configured=configured, claims=claims)
    if role == "public":
        who = None
    elif signed_in and claims is not None:
        who = str(claims.get("email") or claims.get("sub") or "signed-in user")
    else:
        who = f"{_login_name()} (local)"
    presenting = is_presenting()
    if presenting:  # a room sees the public version, whoever is at the keyboard: see is_presenting
        role, note = "public", PRESENTING_NOTE
    return Viewer(
        role=role, mode=settings.mode, who=who, note=note, signed_in=signed_in, presenting=presenting
    )


#: Session key of the presentation-mode switch (views.layout draws it; a link's ``present=1`` sets it).
KEY_PRESENT = "present"
PRESENTING_NOTE = (
    "Presentation mode: public figures only (small numbers hidden), as anyone in the room may see them. "
    "Switch presentation mode off below to see your full detail again."
)


def is_presenting() -> bool:
    """True while this session is in presentation mode (for a projector).

    Why here: a screen in a room is public whoever signed in, so presenting makes the session a public
    viewer for every page at once - public figures, no partner-only pages, no writes - rather than each
    page remembering to check a switch.
    """
    return bool(st.session_state.get(KEY_PRESENT, False))


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "analyst"


def current_audience() -> Audience:
    """The audience of the person using the app: "partner" for a signed-in partner or analyst (or the one
    analyst of a local install), "public" for everyone else."""
    return current_viewer().audience


def sidebar(viewer: Viewer) -> None:
    """Say in the sidebar how the app is run and who is using it; sign in and out (partner mode)."""
    sb = st.sidebar
    sb.caption(viewer.note)
    if viewer.mode != "partner" or not (viewer.signed_in or _auth_configured()):
        return
    if viewer.signed_in:
        sb.caption(f"Signed in: {plain(viewer.who or '')}")
        if sb.button("Sign out", key="access_sign_out"):
            st.logout()
    elif sb.button("Partner sign-in", key="access_sign_in", type="primary"):
        st.login()


def allowed_audiences() -> tuple[Audience, ...]:
    """The versions of a pack or profile this person may make: both for partners, public for the public."""
    return AUDIENCES if current_viewer().at_least("partner") else ("public",)
