"""Real headless Chromium for the web desktop tests (test_desktop.py), through Selenium.

One ``Browser`` is one Chromium with a fresh profile (its own cookies and localStorage),
1400x1000, its UI language set by ``--lang`` and Chromium's accept-languages preference
(the pages choose zh or en from ``navigator.language`` until the user switches). Implicit
waits are off: every wait is an explicit, bounded ``wait_until`` that fails with what it
last saw. The browser's console is captured (``console()``); ``screenshot(name)`` saves
a PNG under tests/interop/artifacts/screenshots/. ``quit()`` always ends the browser and
its chromedriver (the fixture calls it).

Elements are found by ``data-testid`` (``testid("pop-balance")``), as the pages mark them.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
WEB_ROOT = Path(__file__).resolve().parents[3] / "web"
WINDOW = (1400, 1000)
CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = ("/usr/bin/chromedriver", "chromedriver")


def _which(candidates: tuple[str, ...]) -> str | None:
    for name in candidates:
        found = shutil.which(name) if "/" not in name else (name if Path(name).exists() else None)
        if found:
            return found
    return None


def missing() -> str | None:
    """Why browser tests cannot run here (None: they can)."""
    if _which(CHROMIUM) is None:
        return "chromium not found: run scripts/install-test-deps.sh (Debian packages chromium, chromium-driver)"
    if _which(CHROMEDRIVER) is None:
        return "chromedriver not found: run scripts/install-test-deps.sh (Debian package chromium-driver)"
    return None


# ---------------------------------------------------------------------------
# The pages' own strings (web/i18n.js), so tests assert exactly what a user reads
# ---------------------------------------------------------------------------

_MESSAGE = re.compile(r"^\s*'([^']+)':\s*\{\s*zh:\s*'((?:[^'\\]|\\.)*)',\s*en:\s*'((?:[^'\\]|\\.)*)'\s*\},?\s*$")


def i18n_messages(path: Path = WEB_ROOT / "i18n.js") -> dict[str, dict[str, str]]:
    """``{key: {"zh": ..., "en": ...}}`` from the MESSAGES table of web/i18n.js."""
    out = {}
    for line in path.read_text().splitlines():
        match = _MESSAGE.match(line)
        if match:
            key, zh, en = match.groups()
            out[key] = {"zh": zh.replace("\\'", "'"), "en": en.replace("\\'", "'")}
    if not out:
        raise AssertionError(f"no messages found in {path}: its MESSAGES table changed shape")
    return out


def i18n(key: str, language: str, **values: object) -> str:
    """One message in ``language`` ("zh" or "en") with its ``{name}`` values filled in."""
    messages = i18n_messages()
    if key not in messages:
        raise AssertionError(f"web/i18n.js has no message {key!r}")
    text = messages[key][language]
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


# ---------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------


class WaitTimeout(AssertionError):
    pass


@dataclass
class Browser:
    """One headless Chromium on the pages of ``base_url`` (``http://127.0.0.1:PORT``)."""

    base_url: str
    language: str = "zh-CN"          # zh-CN or en: navigator.language and Accept-Language
    label: str = "browser"           # prefixes screenshot names
    driver: webdriver.Chrome | None = None
    shots: list[Path] = field(default_factory=list)
    _console: list[dict] = field(default_factory=list)

    def start(self) -> "Browser":
        options = webdriver.ChromeOptions()
        options.binary_location = _which(CHROMIUM) or CHROMIUM[0]
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--disable-extensions", "--no-first-run", "--disable-background-networking",
                    f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--lang={self.language}"):
            options.add_argument(arg)
        options.add_experimental_option("prefs", {"intl.accept_languages": self.language})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=_which(CHROMEDRIVER) or CHROMEDRIVER[0])
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.implicitly_wait(0)
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(15)
        self.driver.set_window_size(*WINDOW)
        return self

    def quit(self) -> None:
        if self.driver is None:
            return
        try:
            self._drain_console()
        finally:
            try:
                self.driver.quit()
            except WebDriverException:
                pass
            self.driver = None

    # -- pages ----------------------------------------------------------------
    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def fetch(self, method: str, path: str) -> tuple[int, str]:
        """A same-origin fetch from the page (its cookies): (status, body text)."""
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[1], {method: arguments[0], credentials: 'same-origin'})"
            ".then(async (r) => done([r.status, await r.text()]), (e) => done([0, String(e)]));",
            method, path)
        return int(result[0]), str(result[1])

    # -- elements ---------------------------------------------------------------
    @staticmethod
    def css(testid: str) -> str:
        return f'[data-testid="{testid}"]'

    def find(self, testid: str) -> WebElement | None:
        try:
            return self.driver.find_element(By.CSS_SELECTOR, self.css(testid))
        except NoSuchElementException:
            return None

    def visible(self, testid: str) -> WebElement | None:
        """The element if it is on the page and displayed (not hidden, nor inside a hidden parent)."""
        element = self.find(testid)
        try:
            return element if element is not None and element.is_displayed() else None
        except StaleElementReferenceException:
            return None

    def text(self, testid: str) -> str | None:
        element = self.find(testid)
        try:
            return element.text if element is not None else None
        except StaleElementReferenceException:
            return None

    def attribute(self, testid: str, name: str) -> str | None:
        element = self.find(testid)
        try:
            return element.get_attribute(name) if element is not None else None
        except StaleElementReferenceException:
            return None

    def click(self, testid: str, timeout: float = 10) -> None:
        element = self.wait_until(lambda: (lambda e: e if e is not None and e.is_enabled() else None)(self.visible(testid)),
                                  timeout, f"{testid} visible and enabled")
        element.click()

    def type(self, testid: str, text: str, timeout: float = 10) -> None:
        element = self.wait_until(lambda: self.visible(testid), timeout, f"{testid} visible")
        element.clear()
        element.send_keys(text)

    def select(self, testid: str) -> Select:
        element = self.find(testid)
        if element is None:
            raise AssertionError(f"no {self.css(testid)} on the page")
        return Select(element)

    # -- waiting ------------------------------------------------------------------
    def wait_until(self, probe, timeout: float, what: str, *, every: float = 0.05):
        """Calls ``probe()`` until it returns something truthy (returned) or ``timeout``
        seconds pass: then fails with ``what``, the last value seen, and the console."""
        deadline = time.monotonic() + timeout
        last: object = None
        while True:
            try:
                last = probe()
            except StaleElementReferenceException:
                last = None
            if last:
                return last
            if time.monotonic() >= deadline:
                raise WaitTimeout(f"waited {timeout:.0f} s for {what}; last saw {last!r}\n"
                                  f"page: {self.driver.current_url}\n{self.console_text()}")
            time.sleep(every)

    def wait_text(self, testid: str, want: str, timeout: float) -> str:
        """Until the element shows exactly ``want`` (whitespace at the ends ignored)."""
        seen: list[str | None] = [None]

        def probe():
            seen[0] = self.text(testid) if self.visible(testid) else None
            return seen[0] is not None and seen[0].strip() == want
        try:
            self.wait_until(probe, timeout, f"{self.css(testid)} showing {want!r}")
        except WaitTimeout as error:
            raise WaitTimeout(f"{self.css(testid)} shows {seen[0]!r}, want {want!r}\n{error}") from None
        return want

    def wait_attribute(self, testid: str, name: str, want: str, timeout: float) -> str:
        seen: list[str | None] = [None]

        def probe():
            seen[0] = self.attribute(testid, name)
            return seen[0] == want
        try:
            self.wait_until(probe, timeout, f"{self.css(testid)} with {name}={want!r}")
        except WaitTimeout as error:
            raise WaitTimeout(f"{self.css(testid)} has {name}={seen[0]!r}, want {want!r}\n{error}") from None
        return want

    # -- artefacts ------------------------------------------------------------------
    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{self.label}-{name}")
        path = SCREENSHOTS / f"{safe}.png"
        self.driver.save_screenshot(str(path))
        self.shots.append(path)
        return path

    def _drain_console(self) -> None:
        if self.driver is None:
            return
        try:
            self._console += self.driver.get_log("browser")
        except WebDriverException:
            pass

    def console(self) -> list[dict]:
        """Everything the page logged so far (console messages, failed loads, CSP reports)."""
        self._drain_console()
        return list(self._console)

    def console_text(self, limit: int = 60) -> str:
        entries = self.console()
        lines = [f"  {e.get('level', '?'):7} {e.get('message', '')}" for e in entries[-limit:]]
        return f"browser console of {self.label} ({len(entries)} entries):\n" + ("\n".join(lines) or "  (empty)")


def browsers(base_url: str, request):
    """The body of a ``browsers`` fixture: yields ``start(label, language)``, which starts a
    headless Chromium on ``base_url``; every one started is quit afterwards, with a
    screenshot and its console printed when the test failed."""
    started: list[Browser] = []
    failed_before = request.session.testsfailed

    def start(label: str, language: str = "zh-CN") -> Browser:
        browser = Browser(base_url=base_url, language=language, label=f"{request.node.name}-{label}")
        started.append(browser)
        return browser.start()

    yield start
    failed = request.session.testsfailed > failed_before
    for browser in started:
        try:
            if failed and browser.driver is not None:
                browser.screenshot("at-failure")
                print(browser.console_text(limit=200))
        finally:
            browser.quit()
