"""The HTML viewer (mg.to_html) in a real browser: Debian's Chromium driven by selenium.

In CI (CI set) a missing browser fails these tests; elsewhere they skip.
"""
from __future__ import annotations

import json
import os
import re

import pytest

import minigrad as mg
import nn
from benchmarks import viewer as browser


@pytest.fixture(scope="module")
def driver():
    if browser.browser_paths() is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium and chromedriver are required in CI "
                        "(apt-get install chromium chromium-driver)")
        pytest.skip("Chromium / chromedriver not installed")
    pytest.importorskip("selenium")
    session = browser.launch()
    yield session
    session.quit()


def bilstm_loss(steps=5):
    mg.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    output, _ = lstm(mg.randn(steps, 2, 3))
    loss = (output ** 2).mean()
    with mg.record_grad_norms():
        loss.backward()
    return lstm, loss


def page_data(text: str) -> dict:
    match = re.search(r'<script id="minigrad-data" type="application/json">(.*?)</script>', text,
                      re.DOTALL)
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_to_html_is_self_contained_and_writes_the_file(tmp_path):
    lstm, loss = bilstm_loss()
    path = tmp_path / "bptt.html"
    text = mg.to_html(loss, path, params=lstm)
    assert path.read_text(encoding="utf-8") == text
    # nothing is fetched: the only address is the SVG namespace, which is a name
    assert set(re.findall(r"https?://[^\"' ]+", text)) <= {"http://www.w3.org/2000/svg"}
    assert "<script src" not in text and "<link" not in text
    data = page_data(text)
    steps = [b for b in data["boxes"] if b["kind"] == "step"]
    assert len(steps) == 4 * 5 and len(data["heat"]) == 4 and len(data["heat"][0]) == 5
    assert data["order"], "the backward order was recorded"
    assert all(b.get("stats", {}).get("shape") for b in steps)


def test_to_html_refuses_what_it_cannot_draw(tmp_path):
    _, loss = bilstm_loss(2)
    with pytest.raises(ValueError, match="view='bptt' only"):
        mg.to_html(loss, view="ops")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mg.to_html(loss, tmp_path / "missing" / "x.html")
    assert not (tmp_path / "missing").exists()


def test_viewer_shows_inline_in_jupyter():
    _, loss = bilstm_loss(2)
    shown = mg.viewer(loss)
    assert shown._repr_html_().startswith("<iframe srcdoc=") and "sandbox" in shown._repr_html_()


def test_page_loads_clusters_collapse_heatmap_highlights(driver, tmp_path):
    lstm, loss = bilstm_loss()
    path = tmp_path / "bptt.html"
    mg.to_html(loss, path, params=lstm)
    browser.open_page(driver, str(path))
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []

    drawn = driver.execute_script("return window.minigradViewer.drawn()")
    step = driver.find_element("css selector", '.cluster-header[data-step="s0_2"]')
    step.click()  # an opened step closes: its gates are no longer drawn
    closed = driver.execute_script("return window.minigradViewer.drawn()")
    assert closed < drawn
    row = driver.find_element("css selector", '.row-header[data-row="1"]')
    row.click()  # a whole row (layer 0, reverse) becomes one bar
    assert driver.execute_script("return window.minigradViewer.drawn()") < closed

    heat = driver.find_element("id", "heat")
    driver.execute_script(
        "var c = arguments[0], r = c.getBoundingClientRect();"
        "c.dispatchEvent(new MouseEvent('click', {clientX: r.left + r.width * 3.5 / 5,"
        " clientY: r.top + r.height * 2.5 / 4, bubbles: true}));", heat)
    highlighted = driver.execute_script(
        "return Array.from(document.querySelectorAll('#graph .highlight')).map(e => e.dataset.id)")
    assert "s2_3" in highlighted and all(re.search(r"_3(_|$)", h) for h in highlighted)

    scrub = driver.find_element("id", "scrub")
    driver.execute_script("arguments[0].value = 3; arguments[0].dispatchEvent(new Event('input'))",
                          scrub)
    assert driver.execute_script("return document.querySelectorAll('#graph .pending').length") > 0

    shot = tmp_path / "viewer.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
