"""A leader opens the county report in a browser with no network: it loads and shows the figures."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pandas as pd
import pytest

from audit.report.tables import fmt_pct

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OFFLINE = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run must install Debian's chromium package")
        pytest.skip("chromium not installed (apt-get install chromium fonts-noto-cjk)")
    return CHROMIUM


def browse(chromium, tmp_path, url, *args):
    out = subprocess.run(
        [chromium, *OFFLINE, f"--user-data-dir={tmp_path / 'profile'}", *args, url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return out


def test_county_report_loads_offline_and_shows_headline_figures(chromium, fixture_run, tmp_path):
    page = fixture_run.path / "county" / "report.html"
    dom = browse(chromium, tmp_path, page.as_uri(), "--dump-dom").stdout
    assert "<main>" in dom and "普查准备度审计报告" in dom
    text = re.sub(r"<[^>]+>", " ", dom)
    est = pd.read_parquet(fixture_run.path / "estimates.parquet").set_index("metric")
    for metric in ("wrong_exit_rate", "missed_poor_rate", "approval"):
        assert fmt_pct(est.loc[metric, "estimate"]) in text, metric
        assert est.loc[metric, "verdict"] in text
    shot = tmp_path / "county.png"
    browse(chromium, tmp_path, page.as_uri(), f"--screenshot={shot}", "--window-size=1000,1800")
    assert shot.exists() and shot.stat().st_size > 50_000
