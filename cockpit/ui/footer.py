"""The footer of the main screen: its keys are in the first frame, and it is rebuilt only
when the keys it shows change.

Textual's Footer composes empty, then rebuilds itself (every key widget mounted again)
each time its screen's bindings change: after the first frame (so the first screen was
written, then its footer row twice more), on every focus change, and when a dialog opens
(the main screen loses its focus; behind a modal that rebuild changed the dimmed
background, so Textual drew the whole screen again). The cockpit's keys are the app's own
bindings: they are there from the start, and a rebuild that would show the same keys
(same key, label, enabled state) is skipped. While a dialog covers it, the footer keeps
what it shows (its keys do not work under the dialog anyway); closing the dialog gives the
main screen its focus back and the footer the keys it should show then.
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
        self.set_reactive(Footer._bindings_ready, True)  # compose the keys at once, not after the first frame
        self._shown: Keys | None = None

    def _keys(self) -> Keys:
        return tuple(
            (binding.key, binding.description, enabled)
            for _, binding, enabled, _ in self.screen.active_bindings.values()
            if binding.show
        )

    def compose(self) -> ComposeResult:
        self._shown = self._keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and self.app.screen is not self.screen:
            return  # behind a dialog: keep what is shown
        if self._shown is not None and self.is_attached and self._keys() == self._shown:
            return  # the same keys: a rebuild would draw the same row again
        super().bindings_changed(screen)
