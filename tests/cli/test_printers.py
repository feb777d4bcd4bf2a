"""kubectl's cell formats: AGE durations, label selectors, tabwriter layout.

Expected values follow `apimachinery/pkg/util/duration.HumanDuration` (its thresholds:
seconds below 2 minutes, m+s below 10 minutes, minutes below 3 hours, h+m below 8 hours,
hours below 2 days, d+h below 8 days, days below 2 years) and Go's `text/tabwriter`.
"""

import pytest

from kubesim.cli.printers import format_label_selector, human_duration
from kubesim.cli.tabwriter import TabWriter, layout


@pytest.mark.parametrize(
    "ms, text",
    [
        (0, "0s"), (999, "0s"), (5_000, "5s"), (119_000, "119s"), (120_000, "2m"), (130_000, "2m10s"),
        (599_000, "9m59s"), (600_000, "10m"), (179 * 60_000, "179m"), (3 * 3600_000, "3h"),
        (5 * 3600_000 + 30 * 60_000, "5h30m"), (8 * 3600_000, "8h"), (47 * 3600_000, "47h"),
        (48 * 3600_000, "2d"), (76 * 3600_000, "3d4h"), (8 * 24 * 3600_000, "8d"),
        (2 * 365 * 24 * 3600_000, "2y"), (-1_000, "0s"), (-2_000, "<invalid>"),
    ],
    ids=lambda v: str(v),
)
def test_human_duration(ms, text):
    """On a duration of `ms`, the AGE cell reads as kubectl's HumanDuration would."""
    assert human_duration(ms) == text


def test_selector_is_sorted_and_joined():
    sel = {"matchLabels": {"pod-template-hash": "abc", "app": "mc-user"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]}
    assert format_label_selector(sel) == "app=mc-user,pod-template-hash=abc,tier in (a,b)"
    assert format_label_selector(None) == "<none>"


def test_tabwriter_pads_each_column_block_to_its_widest_cell():
    """On lines sharing a column, every cell is padded to the widest plus padding; the last cell is not a column."""
    assert layout([["NAME", "AGE"], ["a-long-name", "5s"]]) == "NAME          AGE\na-long-name   5s"


def test_tabwriter_blocks_end_at_a_line_without_that_column():
    """On a line with no tab, the column block ends: the next lines align on their own (describe's sections)."""
    tw = TabWriter(padding=2)
    tw.write("Name:\tx\nRollingUpdateStrategy:\ty\nPod Template:\n  Labels:\tz\n")
    assert tw.getvalue() == "Name:                   x\nRollingUpdateStrategy:  y\nPod Template:\n  Labels:  z\n"
