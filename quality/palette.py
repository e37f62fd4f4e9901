"""The colours of the flag severities: one table for every picture of a severity, the
admin's badges (quality.admin.severity_badge) and the variant graph's (its node marks).

Five hues that rise in warmth with the severity and stay apart at a glance: grey for
information, blue, amber, orange, red; the text is dark on amber, white on the others.
"""

from quality.choices import Severity

# (background, text) by severity.
SEVERITY_COLOURS: dict[Severity, tuple[str, str]] = {
    Severity.INFO: ("#6c757d", "#fff"),
    Severity.LOW: ("#1c64d1", "#fff"),
    Severity.MEDIUM: ("#f0b400", "#1a1a1a"),
    Severity.HIGH: ("#e8590c", "#fff"),
    Severity.CRITICAL: ("#c92a2a", "#fff"),
}
