"""The footer of the main screen, which does not rebuild behind a dialog.

Textual's Footer recomposes whenever its screen's bindings change, and opening a dialog
changes them (the main screen loses its focus). Behind a modal that rebuild changed the
dimmed background, so Textual drew the whole screen again: opening help wrote about six
full frames instead of one or two. While a dialog covers it, the footer keeps what it
shows (its keys do not work under the dialog anyway); closing the dialog gives the main
screen its focus back, which changes its bindings again and rebuilds the footer then.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class MainFooter(Footer):
    def bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and self.app.screen is not self.screen:
            self._bindings_ready = True
            return
        super().bindings_changed(screen)
