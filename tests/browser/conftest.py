"""Browser fixtures: the app served by uvicorn on a free local port, and headless Chromium driving it.

Chromium and its driver come from the Debian packages `chromium` and `chromium-driver`. If they are
missing the browser tests fail with a message saying so; they never skip.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,900")


@pytest.fixture(scope="session")
def live_server(settings, engine) -> Iterator[str]:
    """The whole app (API, console, static files) on 127.0.0.1, in a background thread."""
    from zhongtai.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    _wait_until_started(server, thread)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def live_api(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client for the API of the app the browser sees (to set up data as a channel would)."""
    with httpx.Client(base_url=live_server, timeout=30) as client:
        yield client


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        pytest.fail("uvicorn did not start serving the app for the browser tests", pytrace=False)


def _missing_browser() -> str | None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        return (f"Browser tests need headless Chromium, but {', '.join(missing)} is missing. "
                "Install the Debian packages: apt-get install chromium chromium-driver")
    return None


@pytest.fixture(scope="session")
def chrome() -> Iterator[webdriver.Chrome]:
    """One headless Chromium for the whole run, with a throwaway profile."""
    problem = _missing_browser()
    if problem:
        pytest.fail(problem, pytrace=False)
    profile = tempfile.mkdtemp(prefix="zhongtai-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(chrome: webdriver.Chrome, live_server: str, db) -> Iterator[webdriver.Chrome]:
    """The browser with no cookies from an earlier test (the tables are emptied between tests too)."""
    chrome.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chrome.set_window_size(1280, 900)
    chrome.get_log("browser")  # drop messages left by an earlier test
    yield chrome
