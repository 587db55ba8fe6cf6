"""The footer of the main screen, rebuilt only when the keys it shows change.

Textual's Footer composes empty, then rebuilds itself (every key widget mounted again)
each time its screen's bindings change: after the first frame (the footer row was written
three times in the first half second), on focus changes, and when a dialog opens (the
main screen loses its focus; behind a modal that rebuild changed the dimmed background, so
Textual drew the whole screen again). A rebuild that would show the same keys (same key,
label, enabled state) is skipped: the keys come once, just after the first frame (composed
before it, they made the drill's first frame later; bench/startup.py). While a dialog covers it, the footer
keeps what it shows (its keys do not work under the dialog anyway).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

#: What the footer shows: (key, label, enabled) for each shown binding, in order.
Keys = tuple[tuple[str, str, bool], ...]


class MainFooter(Footer):
    def __init__(self) -> None:
        super().__init__()
        self._shown: Keys | None = None

    def _keys(self) -> Keys:
        return tuple(
            (binding.key, binding.description, enabled)
            for _, binding, enabled, _ in self.screen.active_bindings.values()
            if binding.show
        )

    def compose(self) -> ComposeResult:
        self._shown = self._keys() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and self.app.screen is not self.screen:
            return  # behind a dialog: keep what is shown
        if self._shown is not None and self.is_attached and self._keys() == self._shown:
            return  # the same keys: a rebuild would draw the same row again
        super().bindings_changed(screen)
