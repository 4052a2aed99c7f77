"""GitLab Code Quality report: a JSON array of issues.

Required fields per GitLab's docs: ``description``, ``check_name``,
``fingerprint`` (unique and stable across runs), ``severity`` (info, minor,
major, critical, blocker), ``location.path`` (relative to the repository root)
and ``location.lines.begin``.
"""

from __future__ import annotations

import json

from torchseedlint.reporters.report import Report, cell_prefix, fingerprints, relative_posix

_SEVERITIES = {"error": "major", "warning": "minor", "note": "info"}


def render(report: Report) -> str:
    issues = [
        {
            "description": f"{cell_prefix(d)}{d.code} {d.name}: {d.message}",
            "check_name": d.code,
            "fingerprint": fingerprint,
            "severity": _SEVERITIES.get(d.severity, "major"),
            "location": {
                "path": relative_posix(d.path, report.root),
                "lines": {"begin": d.location.row, "end": d.end_location.row},
            },
        }
        for d, fingerprint in zip(report.diagnostics, fingerprints(report))
    ]
    return json.dumps(issues, indent=2) + "\n"
