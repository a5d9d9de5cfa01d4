"""How fast does the HTML viewer (mg.to_html) become interactive in headless Chromium?

A 2-layer LSTM unrolled over T steps, after a backward pass recorded with gradient
norms, written with `mg.to_html`; the page is opened in Debian's Chromium (through
selenium and chromedriver; nothing downloads a browser) and the viewer reports when
its first frame is ready (`window.minigradViewer.firstPaintMs`, from navigation
start). Prints the median over a few loads, the page size and the boxes drawn.

    python -m benchmarks.viewer                 # T = 100 and 1000
    python -m benchmarks.viewer --steps 100     # one size

The targets: at most 0.5 s at T = 100 and 2 s at T = 1000 on the project's 2 cores.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time

import minigrad as mg
import nn

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
DRIVER = ("/usr/bin/chromedriver",)


def browser_paths() -> tuple[str, str] | None:
    """(chromium, chromedriver) installed on this machine, or None."""
    browser = next((p for p in CHROMIUM if os.path.exists(p)), shutil.which("chromium"))
    driver = next((p for p in DRIVER if os.path.exists(p)), shutil.which("chromedriver"))
    return (browser, driver) if browser and driver else None


def launch(width: int = 1400, height: int = 900):
    """A headless Chromium driven by selenium, with its console log readable."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    browser, driver = browser_paths()
    options = Options()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--window-size={width},{height}",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='minigrad-chromium-')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


def open_page(driver, path: str, timeout: float = 60.0) -> float:
    """Load the page and wait for the viewer's first frame; returns firstPaintMs."""
    driver.get("file://" + os.path.abspath(path))
    deadline = time.time() + timeout
    while time.time() < deadline:
        if driver.execute_script("return document.body && document.body.dataset.ready === '1'"):
            return float(driver.execute_script("return window.minigradViewer.firstPaintMs"))
        time.sleep(0.02)
    raise TimeoutError(f"the viewer at {path} did not finish its first frame in {timeout} s")


def lstm_page(steps: int, folder: str, seed: int = 0) -> str:
    """Write the viewer of a 2-layer LSTM over `steps` steps; returns its path."""
    mg.manual_seed(seed)
    lstm = nn.LSTM(8, 16, num_layers=2)
    output, _ = lstm(mg.randn(steps, 2, 8))
    loss = (output ** 2).mean()
    with mg.record_grad_norms():
        loss.backward()
    path = os.path.join(folder, f"lstm_T{steps}.html")
    mg.to_html(loss, path, params=lstm)
    return path


def measure(steps: int, loads: int = 3) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = lstm_page(steps, folder)
        driver = launch()
        try:
            times = [open_page(driver, path) for _ in range(loads)]
            drawn = driver.execute_script("return window.minigradViewer.drawn()")
        finally:
            driver.quit()
        return {"T": steps, "first_paint_ms": round(statistics.median(times)),
                "all_ms": [round(t) for t in times], "bytes": os.path.getsize(path),
                "drawn": drawn}


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args(argv)
    if browser_paths() is None:
        raise SystemExit("needs Chromium and chromedriver (apt-get install chromium chromium-driver)")
    rows = [measure(steps, args.loads) for steps in args.steps]
    print(f"{'T':>6} {'first paint ms':>15} {'page KB':>8} {'boxes drawn':>12}")
    for row in rows:
        print(f"{row['T']:>6} {row['first_paint_ms']:>15} {row['bytes'] // 1024:>8} "
              f"{row['drawn']:>12}   (loads: {row['all_ms']})")
    return rows


if __name__ == "__main__":
    main()
