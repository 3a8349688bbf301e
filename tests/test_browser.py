"""A real browser on a real `modelkb serve`: Debian's chromium driven by Selenium.

Starts `modelkb serve` (real model) on the seeds on a free loopback port,
searches, opens an item, pastes a seed prompt file and checks the rendered
answer, on a wide and on a narrow window. Screenshots go to tests/artifacts/.
Skips when chromium or chromedriver is missing, except with CI=true (`.ci/run`
installs them).
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"CI=true but the browser test cannot run: missing {', '.join(missing)}", pytrace=False)
        pytest.skip(f"missing {', '.join(missing)} (apt-get install chromium chromium-driver)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read()


@pytest.fixture
def server(isolated_home, tmp_path):
    """`modelkb serve` in its own process on the seeds; its URL."""
    _require_browser()
    if not SEEDS.is_dir():
        pytest.skip(f"seeds not found at {SEEDS}")
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), MODELKB_HOME=str(isolated_home), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1")
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "modelkb.cli", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if json.loads(_get(url + "/healthz"))["ok"]:
                    break
            except OSError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "modelkb serve did not come up"
            time.sleep(0.25)
        files = [{"name": p.name, "data_base64": base64.b64encode(p.read_bytes()).decode()}
                 for p in sorted(SEEDS.glob("*.txt"))]
        req = urllib.request.Request(url + "/api/ingest", data=json.dumps({"files": files}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=300) as r:
            assert json.loads(r.read())["files_new"] == 5
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1280,1000"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(120)
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def test_search_item_and_answer_in_a_real_browser(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(browser, 60)
    browser.get(server + "/")
    box = browser.find_element(By.ID, "q")
    assert browser.switch_to.active_element == box, "the search box has the keyboard focus"
    box.send_keys("sharpen severely blurred real photos")
    Select(browser.find_element(By.ID, "kind")).select_by_value("model")
    box = browser.find_element(By.ID, "q")
    box.send_keys(Keys.ENTER)  # keyboard only
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".results .result")))
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".result .name")]
    assert names[0] == "Deblur-MIMO-UNet-RealBlur", names
    kinds = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".result .badge.model, .result .badge.paper")}
    assert kinds == {"model"}
    _shot(browser, "search")

    browser.find_element(By.LINK_TEXT, "Deblur-MIMO-UNet-RealBlur").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Deblur-MIMO-UNet-RealBlur"))
    sources = browser.find_element(By.CSS_SELECTOR, ".sources").text
    assert "003_812c1816073d00a4.txt" in sources and "realistic image deblurring" in sources
    assert browser.find_element(By.LINK_TEXT, "code").get_attribute("href").startswith("https://github.com/")
    _shot(browser, "item")

    browser.get(server + "/answer")
    seed = next(SEEDS.glob("003_*.txt")).read_text(encoding="utf-8")
    browser.execute_script("document.getElementById('text').value = arguments[0];", seed)
    browser.find_element(By.ID, "answer-submit").click()
    article = wait.until(ec.presence_of_element_located((By.ID, "answer")))
    text = article.text
    assert "Answer" in text and "deblurring" in text.lower()
    assert "Deblur-MIMO-UNet-RealBlur" in text and "DreamClear" in text
    assert article.find_elements(By.TAG_NAME, "table"), "the ranking renders as a table"
    _shot(browser, "answer")

    browser.set_window_size(390, 844)  # a phone
    browser.get(server + "/?q=deblur+a+photo")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".results .result")))
    overflow = browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page scrolls sideways on a narrow screen by {overflow}px"
    _shot(browser, "search-narrow")
