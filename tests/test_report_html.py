"""The HTML report as a browser shows it: headless Debian Chromium renders the exported file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.browser import dump_dom, png_size, print_to_pdf, screenshot
from tests.report_journals import drill_with_gate, open_items, write


def test_the_html_report_renders_in_chromium_with_its_text_and_charts(tmp_path: Path) -> None:
    entries = drill_with_gate()
    journal = write(entries, tmp_path / "incident.jsonl")
    page = tmp_path / "report.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cockpit",
            "export",
            str(journal),
            "--format",
            "html",
            "-o",
            str(page),
            "--tz",
            "Europe/Berlin",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    html = page.read_text()
    # One self-contained file: no script, no stylesheet or image fetched from anywhere.
    assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html)

    png = tmp_path / "report.png"
    assert screenshot(page.as_uri(), png, 1100, 1600) == (1100, 1600)
    assert png.stat().st_size > 60_000  # a page of text and charts, not a blank render

    dom = dump_dom(page.as_uri())
    text = re.sub(r"<[^>]+>", " ", dom)
    assert "Post-incident report: DRILL: checkout failing after release 2026.11.3" in dom
    assert re.search(r'id="gate">RESTORED<', dom) and re.search(r'id="status">closed<', dom)
    assert "Release 2026.11.3 was rolled back to 2026.11.2" in text and "damage stopped (MITIGATED)" in text
    assert all(item in text for item in open_items(entries)) and "times in Europe/Berlin" in text and " CET" in text
    actions = sum(1 for e in entries if e.data.get("phase") == "result")
    assert len(re.findall(r'<tr class="(action|update)', dom)) == actions
    svgs = re.findall(r'<svg class="chart".*?</svg>', dom, re.S)
    assert len(svgs) == 3 and all(s.count('class="marker action"') == actions for s in svgs)


def test_the_html_report_prints(tmp_path: Path) -> None:
    """Print CSS: the journal appendix stays out of the printout, the rest fits a few pages."""
    journal = write(drill_with_gate(), tmp_path / "incident.jsonl")
    with_appendix, without = tmp_path / "a.html", tmp_path / "b.html"
    for page, extra in ((with_appendix, []), (without, ["--no-appendix"])):
        done = subprocess.run(
            [sys.executable, "-m", "cockpit", "export", str(journal), "--format", "html", "-o", str(page), *extra],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    assert 'id="journal"' in with_appendix.read_text() and 'id="journal"' not in without.read_text()
    pages = print_to_pdf(with_appendix.as_uri(), tmp_path / "a.pdf")
    assert 2 <= pages <= 8 and pages == print_to_pdf(without.as_uri(), tmp_path / "b.pdf")


def test_the_readme_screenshot_is_small_and_current_in_size() -> None:
    png = Path(__file__).parent.parent / "docs" / "report-html.png"
    width, height = png_size(png)
    assert width >= 800 and height >= 600 and png.stat().st_size < 400_000
