"""Who sees what, in a real browser: the three modes, and signing in through a real OpenID Connect provider.

A local identity provider (``oidc-provider-mock``, on 127.0.0.1) holds two users, a partner and an
analyst, whose roles come in the ID token's ``roles`` claim. The app runs in ``partner`` mode with a
secrets file written here (nothing of it is in the repository). Anonymous, partner and analyst visitors
each see exactly the pages their role allows; ``public`` mode offers no sign-in and no partner pages;
``local`` mode gives the one analyst everything, on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import Store
from tests import browser_support as bs

pytestmark = pytest.mark.browser

USERS = {
    "analyst1": {"sub": "analyst1", "email": "analyst@example.org", "roles": ["analyst"]},
    "partner1": {"sub": "partner1", "email": "partner@example.org", "roles": ["partner"]},
}
#: Menu entries by role (the sidebar navigation, in order).
PUBLIC_MENU = ["Map", "Hotspots", "How this is worked out", "Briefing packs", "Ward profile", "Scorecard"]
PARTNER_MENU = [
    "Map", "Hotspots", "Clear Hold Build", "Action days", "How this is worked out", "Briefing packs",
    "Ward profile", "Scorecard",
]  # fmt: skip
ANALYST_MENU = [*PARTNER_MENU, "Load data"]


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """oidc-provider-mock on a free loopback port, with the two predefined users."""
    port = bs.free_port()
    exe = Path(sys.executable).with_name("oidc-provider-mock")
    cmd = [str(exe), "-p", str(port), "-H", "127.0.0.1"]
    for claims in USERS.values():
        cmd += ["--user-claims", json.dumps(claims)]
    log = open(bs.OUTPUT_DIR / "oidc-provider.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the OIDC provider did not start") from None
                time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _secrets(folder: Path, provider: str) -> Path:
    path = folder / "secrets.toml"
    path.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a-test-cookie-secret-of-enough-length-0123456789"\n'
        'client_id = "kirklees-hotspots-test"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    return path


def _menu(page) -> list[str]:
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.wait_for(timeout=bs.PAGE_TIMEOUT_MS)
    # each link holds its Material icon's name, then its title
    return [t.strip().splitlines()[-1].strip() for t in nav.locator("a").all_inner_texts()]


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    # the provider's page pulls a stylesheet from a CDN: refuse it (it works without)
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost).*"), lambda route: route.abort())
    page = context.new_page()
    page.goto(url, timeout=bs.PAGE_TIMEOUT_MS)
    page.get_by_role("heading", name="Incident map").wait_for(timeout=bs.PAGE_TIMEOUT_MS)
    return context, page


def _sign_in(page, user: str) -> None:
    page.get_by_role("button", name="Partner sign-in").click()
    page.get_by_role("button", name=user).click(timeout=bs.PAGE_TIMEOUT_MS)
    page.get_by_text("Signed in:").wait_for(timeout=bs.PAGE_TIMEOUT_MS)


def test_partner_mode_each_role_sees_what_it_may(
    browser, demo_store: Store, provider: str, tmp_path: Path
) -> None:
    secrets = ("--secrets.files", str(_secrets(tmp_path, provider)))  # redirect_uri takes the app's port
    log = bs.OUTPUT_DIR / "streamlit-access-partner.log"
    with bs.app_server(demo_store.path, log, env={"HOTSPOTS_MODE": "partner"}, args=secrets) as url:
        context, page = _open(browser, url)
        try:
            assert _menu(page) == PUBLIC_MENU
            page.get_by_text("Partners: sign in to see full detail").wait_for()
            page.goto(f"{url}/data", timeout=bs.PAGE_TIMEOUT_MS)  # not listed, and not reachable by address
            assert page.get_by_role("heading", name="Load data").count() == 0
        finally:
            context.close()
        for user, menu, says in (
            ("partner1", PARTNER_MENU, "Signed in as a partner"),
            ("analyst1", ANALYST_MENU, "Signed in as an analyst"),
        ):
            context, page = _open(browser, url)
            try:
                _sign_in(page, user)
                page.get_by_text(says).wait_for(timeout=bs.PAGE_TIMEOUT_MS)
                page.get_by_text(f"Signed in: {USERS[user]['email']}").wait_for()
                assert _menu(page) == menu
                page.screenshot(path=str(bs.OUTPUT_DIR / f"access-{user}.png"))
                page.get_by_role("button", name="Sign out").click()
                # the provider's end-session page, then back to the app, signed out
                page.get_by_role("button", name="End session").click(timeout=bs.PAGE_TIMEOUT_MS)
                page.get_by_role("button", name="Partner sign-in").wait_for(timeout=bs.PAGE_TIMEOUT_MS)
                assert _menu(page) == PUBLIC_MENU
            finally:
                context.close()


def test_partner_mode_without_an_identity_provider_shows_only_public_figures(
    browser, demo_store: Store
) -> None:
    log = bs.OUTPUT_DIR / "streamlit-access-noidp.log"
    with bs.app_server(demo_store.path, log, env={"HOTSPOTS_MODE": "partner"}) as url:
        context, page = _open(browser, url)
        try:
            page.get_by_text("Sign-in is not set up on this server").wait_for()
            assert _menu(page) == PUBLIC_MENU
            assert page.get_by_role("button", name="Partner sign-in").count() == 0
        finally:
            context.close()


def test_public_mode_offers_no_sign_in_and_no_partner_pages(browser, demo_store: Store) -> None:
    log = bs.OUTPUT_DIR / "streamlit-access-public.log"
    with bs.app_server(demo_store.path, log, env={"HOTSPOTS_MODE": "public"}) as url:
        context, page = _open(browser, url)
        try:
            # the Map says "Public version" in more than one place once drawn: wait for the first
            page.get_by_text("Public version").first.wait_for()
            assert _menu(page) == PUBLIC_MENU
            assert page.get_by_role("button", name="Partner sign-in").count() == 0
            page.screenshot(path=str(bs.OUTPUT_DIR / "access-public.png"))
        finally:
            context.close()


def test_local_mode_gives_the_one_analyst_everything_on_loopback(browser, app_url: str) -> None:
    context, page = _open(browser, app_url)  # the shared server: local mode, 127.0.0.1
    try:
        page.get_by_text("Local mode: one analyst on this computer").wait_for()
        assert _menu(page) == ANALYST_MENU
    finally:
        context.close()
