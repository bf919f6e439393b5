"""Roles and modes: the rule that decides what each person may see and do, and the pages it leads to."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from store import Store
from views.access import role_for

APP = Path(__file__).resolve().parents[1] / "app.py"
_PAGE = "from views import {0}\n{0}.render()\n"
SETTINGS = config.AccessSettings(
    mode="partner", roles_claim="roles", analysts=("boss@kirklees.gov.uk",), partners=("@example.org",)
)


@pytest.mark.parametrize(
    ("mode", "address", "configured", "claims", "role"),
    [
        ("public", "127.0.0.1", True, {"roles": ["analyst"]}, "public"),  # public mode: nobody signs in
        ("local", "127.0.0.1", False, None, "analyst"),
        ("local", "::1", False, None, "analyst"),
        ("local", "", False, None, "public"),  # every interface: a local install on a network leaks nothing
        ("local", "0.0.0.0", False, None, "public"),
        ("partner", "0.0.0.0", False, None, "public"),  # no identity provider: public only
        ("partner", "0.0.0.0", True, None, "public"),  # not signed in
        ("partner", "0.0.0.0", True, {"roles": ["analyst"], "email": "x@y.org"}, "analyst"),
        ("partner", "0.0.0.0", True, {"roles": "analyst"}, "analyst"),  # a single string claim
        ("partner", "0.0.0.0", True, {"roles": ["partner"], "email": "x@y.org"}, "partner"),
        ("partner", "0.0.0.0", True, {"email": "someone@y.org"}, "partner"),  # signed in, no role named
        ("partner", "0.0.0.0", True, {"email": "Boss@Kirklees.gov.uk"}, "analyst"),  # the analysts list
    ],
)
def test_role_for_each_mode_and_sign_in(
    mode: str, address: str, configured: bool, claims: dict | None, role: str
) -> None:
    settings = replace(SETTINGS, mode=mode)
    got, note = role_for(settings, address=address, auth_configured=configured, claims=claims)
    assert got == role and note


def test_a_local_install_on_the_network_says_why_it_shows_only_public_figures() -> None:
    _, note = role_for(replace(SETTINGS, mode="local"), address="", auth_configured=False, claims=None)
    assert "--server.address 127.0.0.1" in note


def test_the_mode_comes_from_the_file_unless_the_environment_names_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config.access.cache_clear()
    assert config.access().mode == "local"  # data/access.toml: one analyst on their own computer
    monkeypatch.setenv("HOTSPOTS_MODE", "public")
    config.access.cache_clear()
    assert config.access().mode == "public"
    monkeypatch.setenv("HOTSPOTS_MODE", "everyone")
    config.access.cache_clear()
    with pytest.raises(ValueError, match="mode must be one of local, partner, public, not 'everyone'"):
        config.access()
    config.access.cache_clear()


@pytest.mark.parametrize("mode", ["public", "partner"])
def test_a_public_visitor_gets_public_pages_and_public_packs_only(
    mode: str, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTSPOTS_MODE", mode)
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    config.access.cache_clear()
    try:
        at = AppTest.from_file(str(APP), default_timeout=120).run()
        assert not at.exception, [e.message for e in at.exception]
        captions = " ".join(c.value for c in at.sidebar.caption)
        assert ("Public version" if mode == "public" else "Sign-in is not set up") in captions
        packs = AppTest.from_string(_PAGE.format("packs_page"), default_timeout=120).run()
        assert not packs.exception, [e.message for e in packs.exception]
        assert packs.radio(key="packs_audience").options == ["Public"]
        data = AppTest.from_string(_PAGE.format("data_page"), default_timeout=60).run()
        assert any("Loading data is for analysts" in i.value for i in data.info)
        assert not data.get("file_uploader")
    finally:
        config.access.cache_clear()
