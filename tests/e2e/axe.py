"""axe-core in the browser tests: every page an influencer sees must pass it.

Issue #7 asks for no serious or critical violation on the overlay, the panel
and the notices. axe walks open shadow roots on its own, so the overlay's
shadow tree is scanned through its host element. It cannot reach into a
frame of another origin from the host page (it would wait for an axe inside
the frame to answer), so frames are left out of a page scan
(``iframes: false``) and the panel frame is scanned on its own: Playwright
evaluates scripts in any frame, whatever its origin.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Frame, Page

#: The impacts that fail a test; "minor" and "moderate" are reported by axe
#: but left to judgement (e.g. "region" on a widget that has no landmarks).
FAILING_IMPACTS = ("serious", "critical")

_axe = Axe()
_OPTIONS = {"resultTypes": ["violations"], "iframes": False}


def axe_violations(
    target: Page | Frame, context: str | list[str] | None = None
) -> list[dict[str, Any]]:
    """The serious and critical axe violations of ``target``, limited to ``context``.

    ``context`` is a CSS selector (or a list of them) of the elements to scan,
    with their shadow trees; None scans the whole document. A selector that
    matches nothing makes axe throw, so a scan can never pass because its
    subject was missing.
    """
    results = _axe.run(target, context=context, options=_OPTIONS)
    return [v for v in results.response["violations"] if v["impact"] in FAILING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """One paragraph per violation: id, impact, help, and the nodes it found."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            if node.get("failureSummary"):
                summary = node["failureSummary"].replace("\n", " / ")
                lines.append(f"        {summary}")
    return "\n".join(lines)


def assert_accessible(target: Page | Frame, context: str | list[str] | None = None) -> None:
    """Fail listing every serious or critical axe violation of ``target`` (see above)."""
    violations = axe_violations(target, context)
    where = f"{target.url} ({context or 'whole document'})"
    assert not violations, f"axe found {len(violations)} violation(s) on {where}:\n" + describe(
        violations
    )
