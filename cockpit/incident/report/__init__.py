"""The post-incident report, built from the journal alone.

`build()` makes a typed `Report` in one streaming pass; renderers write Markdown, JSON
(schema `cockpit.report/2`, documented in docs/report-schema.md) and one self-contained
HTML file. Every entry is redacted again on the way in, so a secret cannot reach a report.
"""

from cockpit.incident.report.build import build, from_entries, from_file, zone
from cockpit.incident.report.html import render_html, write_html
from cockpit.incident.report.jsonout import SCHEMA, VERSION, render_json, write_json
from cockpit.incident.report.markdown import render_markdown, write_markdown
from cockpit.incident.report.model import Report

__all__ = [
    "SCHEMA",
    "VERSION",
    "Report",
    "build",
    "from_entries",
    "from_file",
    "render_html",
    "render_json",
    "render_markdown",
    "write_html",
    "write_json",
    "write_markdown",
    "zone",
]
