"""The README's SLO section is generated from shared/slos.py (`make docs`), and says what each cloud renders."""

from __future__ import annotations

from reports import slo_table
from reports.readme_sections import README, section
from shared.slos import BURN_RATE_ALERTS


def test_the_readme_shows_the_catalogs_slos():
    assert section(README.read_text(), "slos") == slo_table.table(), "run: make docs"


def test_the_table_names_every_alert_with_its_windows_and_rate():
    text = slo_table.table()
    for alert in BURN_RATE_ALERTS:
        (row,) = [line for line in text.splitlines() if line.startswith(f"| `<slo>-{alert.key.replace('_', '-')}`")]
        assert f"{alert.long_window_minutes} min and {alert.short_window_minutes} min" in row
        assert f"{alert.rate:g}x" in row
