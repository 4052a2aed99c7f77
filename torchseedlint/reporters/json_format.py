"""A JSON list of diagnostics with ruff's field names."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from torchseedlint.diagnostics import Diagnostic, Fix, Location

DOCS_URL = "https://github.com/torchseedlint/torchseedlint/blob/main/docs/rules.md#"


def _location(location: Location) -> Dict[str, int]:
    return {"row": location.row, "column": location.column}


def _fix(fix: Optional[Fix]) -> Optional[Dict[str, Any]]:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": [
            {
                "content": edit.content,
                "location": _location(edit.location),
                "end_location": _location(edit.end_location),
            }
            for edit in fix.edits
        ],
    }


def to_dict(d: Diagnostic) -> Dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "message": d.message,
        "filename": d.path,
        "location": _location(d.location),
        "end_location": _location(d.end_location),
        "fix": _fix(d.fix),
        "severity": d.severity,
        "url": f"{DOCS_URL}{d.code.lower()}-{d.name}",
    }


def render(diagnostics: List[Diagnostic]) -> str:
    return json.dumps([to_dict(d) for d in diagnostics], indent=2) + "\n"
