"""Launching Debian's Chromium for Playwright (never a downloaded browser)."""

import os
from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))

# Root needs --no-sandbox; the rest stop Chromium phoning home, which a closed network refuses noisily.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def missing_chromium_message() -> str | None:
    if CHROMIUM.exists():
        return None
    return f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` (or set CHROMIUM_PATH)."


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
