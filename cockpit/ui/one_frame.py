"""Screens that reach the terminal as one frame when they are shown.

Textual (8.x) wrote a screen three to five times in the ~100 ms after showing it, mostly
the same text: the layout when the screen resumed painted every cell, then

- the resume asked for a whole-screen repaint, and so did the screen's own first size;
- the screen's first layout posted it a `Resize` to its own size, and the app's first
  `Resize` (the size it already had) came too: each laid it (and the screens under it) out
  and painted it again;
- every widget is marked for a repaint when a layout changes its size, after the paint
  of that layout has drawn it at that size: each layout was followed by a repaint of
  what it had just drawn (the whole screen after the first one);
- repaints asked for before the screen was shown (the panels' first values) came in after
  the paint that drew them;
- a dialog repainted itself whole when the screen under it passed up the repaint Textual
  asks of a screen as a dialog covers it.

The first screen of the drill was ~80 KB at 120x36 for ~15 KB of text; opening help
~60 KB in four writes. `ShownOnce` drops each of those repeats where it is asked for, and
applies the size classes (`HORIZONTAL_BREAKPOINTS`, which Textual sets in its `Resize`
handler, after the first layout) before the first layout, so a narrow terminal's first
frame has its narrow layout. It uses Textual's public API (handlers that run before
Textual's own, `prevent_default`, `refresh`, `update_classes`, the layout signal) and two
private attributes: it resets the widget's pending repaint (`Widget._repaint_required`,
only where it is a bool) and reads whether the app puts paints off (`App._batch_count`,
only where it is an int). Each drop also rests on the order of events in Textual 8.2
(the resume lays out and paints before `_resumed` runs; the layout signal comes after the
paint), so outside the tested minor version (`TESTED`) the screen drops nothing and
Textual draws it as it would any screen.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any, Generic, Self, TypeVar

import textual
from textual import events, messages
from textual.geometry import Region, Size
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget

T = TypeVar("T")

#: The Textual release (major, minor) whose order of events the drops were tested against.
TESTED = (8, 2)

#: Textual's flag for "this widget needs a repaint" (`Widget._repaint_required` in 8.x).
_REPAINT = "_repaint_required"

#: What a layout sets on a widget that makes Textual repaint it afterwards.
Sizes = tuple[Size, Size, Size]


class TerminalSizes:
    """Whether the terminal has had more than one size since the app started (the app
    feeds it every `Resize` the driver sends)."""

    def __init__(self) -> None:
        self._first: Size | None = None
        self.changed = False

    def saw(self, size: Size) -> None:
        if self._first is None:
            self._first = size
        elif size != self._first:
            self.changed = True


def size_classes(screen: Screen[Any], size: Size) -> dict[str, bool]:
    """The breakpoint classes for `size`, as Textual's `Screen` resize handler sets them."""
    app = screen.app
    horizontal = (
        app.HORIZONTAL_BREAKPOINTS if screen.HORIZONTAL_BREAKPOINTS is None else screen.HORIZONTAL_BREAKPOINTS
    ) or []
    vertical = (app.VERTICAL_BREAKPOINTS if screen.VERTICAL_BREAKPOINTS is None else screen.VERTICAL_BREAKPOINTS) or []
    classes = {name: False for _, name in horizontal + vertical}
    for dimension, points in ((size.width, horizontal), (size.height, vertical)):
        for point, name in sorted(points, reverse=True):
            if dimension >= point:
                classes[name] = True
                break
    return classes


def _textual_version() -> str:
    """The installed Textual's version, from its dist-info directory's name (what
    `textual.__version__` reads through importlib.metadata, whose import cost ~14 ms on
    the first screen); through `textual.__version__` when there is no such directory."""
    site = os.path.dirname(os.path.dirname(textual.__file__ or ""))
    try:
        with os.scandir(site) as entries:
            for entry in entries:
                if entry.name.startswith("textual-") and entry.name.endswith(".dist-info"):
                    return entry.name.removeprefix("textual-").removesuffix(".dist-info")
    except OSError:
        pass
    return textual.__version__


@cache
def active() -> bool:
    """Whether the installed Textual is the tested release (else nothing is dropped)."""
    try:
        major, minor = (int(part) for part in _textual_version().split(".")[:2])
    except ValueError:  # a version string we cannot read: not one we tested
        return False
    return (major, minor) == TESTED


def _painting(widget: Widget) -> bool:
    """Whether the app paints as it lays out (Textual 8 counts put-off paints in an int)."""
    return getattr(widget.app, "_batch_count", None) == 0


def _drawn(widget: Widget) -> None:
    """Drop `widget`'s pending repaint (only where the flag is Textual 8's bool)."""
    if getattr(widget, _REPAINT, None) is True:
        setattr(widget, _REPAINT, False)


def _sized(widget: Widget) -> Sizes:
    return widget.size, widget.virtual_size, widget.container_size


class ShownOnce(Screen[T], Generic[T]):
    """A screen written to the terminal once when shown (see the module docstring)."""

    #: The resume in progress lays the screen out, which paints every cell: whole-screen
    #: repaints and layouts asked for until then are part of that paint.
    _resuming = False
    #: When that resume began (Textual's message clock): repaint and layout requests made
    #: before it were answered by its paint.
    _shown_at: float | None = None
    #: From that paint to the screen's next update: the dialog's first paint included
    #: the screen under it as it is.
    _settling = False
    #: Each widget's sizes after the last layout, to tell which ones the next one changed.
    _sizes: dict[Widget, Sizes] | None = None

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name, id, classes)
        try:
            size = self.app.size
        except RuntimeError:  # no app running (constructed outside one): set on resume
            return
        # Before Textual styles the screen's widgets (once, with these classes).
        self.update_classes(size_classes(self, size), update=False)

    def on_mount(self) -> None:
        if active():
            self.screen_layout_refresh_signal.subscribe(self, self._laid_out, immediate=True)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Textual's own resume handler (subclass handlers come first), which
        # lays the screen out when its size differs from the app's and then refreshes it.
        size = self.app.size
        if not self.is_attached or not self.is_current or self.outer_size == size:
            return
        classes = size_classes(self, size)
        if any(self.has_class(name) != on for name, on in classes.items()):
            self.update_classes(classes, animate=False)  # the terminal's size changed since
        if not active():
            return
        self._resuming = True
        self._shown_at = None
        self.call_next(self._resumed, Message().time)  # right after the resume handlers

    def _resumed(self, began: float) -> None:
        self._resuming = False
        # Only once the resume laid the screen out at the app's size and painted it (not
        # put off): the evidence that every cell is on the terminal.
        if _painting(self) and self.outer_size == self.app.size:
            self._shown_at = began
            self._settling = True
            self.call_after_refresh(self._settled)
            self._laid_out(self)  # (Textual signals no layout before the app is ready)

    def _settled(self) -> None:
        self._settling = False

    def _laid_out(self, screen: object) -> None:
        """After a layout and its paint: the widgets whose size it changed are drawn at
        that size already, so the repaint Textual marked them for would draw them again."""
        sizes: dict[Widget, Sizes] = {}
        for widget in self.walk_children(Widget, with_self=False):
            sizes[widget] = _sized(widget)
            if widget.show_vertical_scrollbar:
                sizes[widget.vertical_scrollbar] = _sized(widget.vertical_scrollbar)
            if widget.show_horizontal_scrollbar:
                sizes[widget.horizontal_scrollbar] = _sized(widget.horizontal_scrollbar)
        before, self._sizes = self._sizes or {}, sizes
        if not self.is_current or not _painting(self):
            return  # nothing was painted (yet)
        for widget, now in sizes.items():
            if before.get(widget) != now:
                _drawn(widget)  # a changed size is a changed place in the layout: repainted

    def _answered(self, message: Message) -> bool:
        return self._shown_at is not None and message.time < self._shown_at

    def on_update(self, message: messages.Update) -> None:
        if self._answered(message):
            message.stop()  # as Textual's own handler does: the screen answers it
            message.prevent_default()  # a repaint asked for before the whole screen was painted

    def on_layout(self, message: messages.Layout) -> None:
        if self._answered(message):
            message.stop()
            message.prevent_default()  # a layout asked for before the screen was laid out

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if not regions and not recompose:
            if self._resuming and self.outer_size == self.app.size:
                return self  # the resume's layout (done: the screen has the app's size) painted every cell
            if layout and self._settling:
                # Textual lays a shown screen out again once its widgets report mounted;
                # that layout paints what it moves or adds, the rest is on the terminal.
                repaint = False
        elif self._settling and self.outer_size.region in regions:
            # The screen under a dialog passes up its whole-screen repaint (Textual asks
            # for one of the screen a dialog covers, as it covers it): the dialog's first
            # paint drew that screen, dimmed, a moment ago.
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def on_resize(self, event: events.Resize) -> None:
        sizes = getattr(self.app, "terminal_sizes", None)
        unchanged = isinstance(sizes, TerminalSizes) and not sizes.changed
        if active() and unchanged and event.size == self.outer_size:
            # Laid out at this size already: Textual would lay it out (and the screens
            # under it) again and repaint the same cells. Its size classes are right too.
            event.prevent_default()
