"""Panel tables: columns that do not jump, the row filter, the cursor row."""

from __future__ import annotations

from rich.text import Text

from cockpit.actions.updates import refresh_figures
from cockpit.panels.grid import Col, Grid, row_matches


def layout(depth: str, sticky: list[int]) -> str:
    grid = Grid(Col("queue", flex=True), Col("depth", justify="right"), Col("state"))
    grid.sticky = sticky
    grid.add_row("payment-retry", depth, "run", ident="payment-retry")
    return grid.lines(40)[1].plain


def test_a_count_gaining_a_digit_widens_its_column_once_and_it_stays() -> None:
    sticky: list[int] = []
    narrow, wide, back = layout("999", sticky), layout("1,000", sticky), layout("998", sticky)
    assert narrow.index("run") > wide.index("run") - 3  # widened once for the longer value…
    assert back.index("run") == wide.index("run")  # …and kept when the value shrinks again


def test_the_filter_keeps_matches_and_bang_inverts() -> None:
    assert row_matches("payment-retry 12 run", "PAY") and not row_matches("emails 0 run", "pay")
    assert row_matches("emails 0 run", "!pay") and not row_matches("payment-retry", "!pay")
    grid = Grid(Col("queue", flex=True))
    for name in ("payment-retry", "emails", "payouts"):
        grid.add_row(name, ident=name)
    grid.add_row(Text("+3 more"))  # not an item: always kept
    assert grid.keep("pay") == ["payment-retry", "payouts"]
    grid.mark("payouts")
    lines = grid.lines(20)
    assert [line.plain.strip() for line in lines] == ["queue", "payment-retry", "payouts", "+3 more"]
    assert "reverse" in str(lines[2].style) or any("reverse" in str(s.style) for s in lines[2].spans)


def test_an_update_sent_later_carries_the_figures_of_the_moment_it_is_sent() -> None:
    before = {"error_rate": "8.1%", "suspects_total": "1,204", "now": "02:10 UTC", "queue_backlog": "0"}
    now = {"error_rate": "1.9%", "suspects_total": "1,204", "now": "02:14 UTC", "queue_backlog": "12"}
    filled = "Error rate 8.1%, suspects 1,204, backlog 0. As of 02:10 UTC."
    edited = filled + " Payments team on it."
    sent, changed = refresh_figures(edited, before, now, filled)
    assert sent == "Error rate 1.9%, suspects 1,204, backlog 12. As of 02:14 UTC. Payments team on it."
    assert changed == {"error_rate": ("8.1%", "1.9%"), "queue_backlog": ("0", "12"), "now": ("02:10 UTC", "02:14 UTC")}
    # The operator typed the old figure again: it is left as typed (they meant it).
    edited = filled + " (the 8.1% peak was at 01:55)"
    sent, changed = refresh_figures(edited, before, now, filled)
    assert "8.1% peak" in sent and "Error rate 8.1%" in sent and "error_rate" not in changed
