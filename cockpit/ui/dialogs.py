"""The keys every dialog shares (one place, so no dialog can be answered by accident).

- Esc cancels every dialog. tmux may hold Esc back for its `escape-time`, so a letter
  cancels too: `q` (or `n` where the dialog asks yes/no) — but only in a dialog WITHOUT a
  text field.
- A dialog with a text field is never answered by a single letter: every printable key
  goes into the text (focus on a button or checkbox included: `n` types n). Enter in a
  field submits only when that field holds non-trivial text (at least `min_text`
  characters); otherwise the hint line says what is missing. The submit button submits
  whatever is typed (the dialog's own `problem()` may still refuse).
- Every dialog shows a hint line saying which keys do what.
- Dialogs take the focus synchronously (`self.set_focus` in `on_mount`, not `widget.focus()`,
  which is deferred): keys typed ahead must not arrive while nothing has the focus.

Subclass `Dialog` (no text field) or `TextDialog`; see `screens.py` for examples.
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static, TextArea
from textual.widgets.button import ButtonVariant

from cockpit.ui.one_frame import ShownOnce

T = TypeVar("T")

#: Fewer characters than this in a field is not an answer Enter may submit ("n", "x", "ok").
MIN_TEXT = 3

MODAL_CSS = """
ModalScreen { align: center middle; }
.dialog { width: 90%; max-width: 110; height: auto; max-height: 90%; border: thick $accent; background: $surface;
          padding: 0 1; }
.dialog .title { text-style: bold; padding: 0 0 1 0; }
.dialog .warning { color: $warning; text-style: bold; }
.dialog .buttons { height: auto; align: right middle; padding-top: 1; }
.dialog Button { margin-left: 2; min-width: 12; }
.dialog TextArea { height: 8; }
.dialog Input, .dialog Select { margin-bottom: 1; }
.dialog .hint { color: $text-muted; }
.dialog .hint.-refused { color: $warning; text-style: bold reverse; }
"""


def trivial(text: str, min_text: int = MIN_TEXT) -> bool:
    """Too short to be a deliberate answer (a stray letter, a reflexive 'y')."""
    return len(text.strip()) < min_text


class Dialog(ShownOnce[T], ModalScreen[T], Generic[T]):
    """A dialog without a text field: Esc or `q` cancels; focus should start on the safe button.
    It reaches the terminal as one frame when it opens (`ShownOnce`)."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("q", "cancel_letter", "Cancel", show=False),
    ]

    def on_mount(self) -> None:
        # No blinking cursor: each blink redraws the field (and over SSH, a steady trickle of
        # bytes while the operator thinks). Textual calls this as well as a subclass's on_mount.
        for field in self.query("Input, TextArea"):
            if isinstance(field, (Input, TextArea)):  # always, by the selector; narrows the type
                field.cursor_blink = False

    def hint_text(self) -> str:
        return "Enter = press the focused button · Tab = next button · q / Esc = cancel"

    def hint_line(self) -> Static:
        return Static(self.hint_text(), classes="hint", id="hint")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_cancel_letter(self) -> None:
        self.action_cancel()


class SubmitCheckbox(Checkbox, inherit_bindings=False):
    """A checkbox inside a text dialog: Space ticks it, Enter submits the dialog (it used to
    untick it), and its state is shown as a word, not only by colour."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Toggle", show=False),
        Binding("enter", "submit", "Submit", show=False),
    ]

    def __init__(self, label: str, value: bool = False, *, id: str | None = None) -> None:
        self._base_label = label
        super().__init__(self._labelled(value), value, id=id)

    def _labelled(self, value: bool) -> str:
        return f"{self._base_label}: {'YES' if value else 'no'}"

    def watch_value(self) -> None:
        super().watch_value()  # (posts Changed)
        self.label = self._labelled(self.value)

    @property
    def _button(self) -> Content:
        # The X is there only when ticked: NO_COLOR and 16 colours see the state too.
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button

    def action_submit(self) -> None:
        screen = self.screen
        if isinstance(screen, TextDialog):
            screen.submit()


class TextDialog(Dialog[T], Generic[T]):
    """A dialog with at least one text field (Input or TextArea): never answered by one letter.

    Subclasses compose their fields, then `yield self.hint_line()` and `yield self.buttons()`,
    and implement `value()` (the result) and optionally `problem()` (why not yet)."""

    submit_label = "OK"
    submit_variant: ButtonVariant = "primary"
    min_text = MIN_TEXT

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # q must type q here: only Esc and the Cancel button cancel.
        return action != "cancel_letter"

    def hint_text(self) -> str:
        return (
            f"Enter = {self.submit_label.lower()} (needs at least {self.min_text} characters) · "
            f"Tab = next field / buttons · Esc = cancel"
        )

    def buttons(self) -> Horizontal:
        return Horizontal(
            Button("Cancel", id="cancel"),
            Button(self.submit_label, id="submit", variant=self.submit_variant),
            classes="buttons",
        )

    def value(self) -> T:
        raise NotImplementedError

    def problem(self) -> str | None:
        """Why the dialog cannot be submitted yet (None: it can)."""
        return None

    def say(self, text: str) -> None:
        """Show a refusal in the hint line (and keep the dialog open)."""
        hint = self.query("#hint")
        if hint:
            hint.first(Static).update(Text(text))
            hint.first(Static).add_class("-refused")
            self.set_timer(4, self._restore_hint)
        else:
            self.notify(text, severity="warning", markup=False)

    def _restore_hint(self) -> None:
        for hint in self.query("#hint").results(Static):
            hint.update(self.hint_text())
            hint.remove_class("-refused")

    def submit(self) -> None:
        problem = self.problem()
        if problem:
            self.say(problem)
            return
        self.dismiss(self.value())

    @on(Input.Submitted)
    def _enter_in_field(self, event: Input.Submitted) -> None:
        event.stop()
        if trivial(event.value, self.min_text):
            self.say(
                f"Not submitted: type at least {self.min_text} characters, or Tab to "
                f"'{self.submit_label}' and press Enter. Esc cancels."
            )
            return
        self.submit()

    @on(Button.Pressed, "#submit")
    def _submit_button(self, event: Button.Pressed) -> None:
        event.stop()
        self.submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_button(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def on_key(self, event: events.Key) -> None:
        # A printable key with the focus on a button or checkbox goes into the text field:
        # a letter must never press a button here. (Space stays: it ticks a checkbox.)
        focused = self.focused
        if not event.is_printable or event.character in (None, " ") or isinstance(focused, (Input, TextArea)):
            return
        fields = self.query("Input, TextArea")
        if not fields:
            return
        event.stop()
        event.prevent_default()
        target = fields.first()
        if isinstance(target, Input):
            target.select_on_focus = False  # add to the text, never replace it
            target.cursor_position = len(target.value)
        self.set_focus(target)  # now, not after the next keys: a quick Enter must land in the field
        # Queued behind the keys the field already has, so fast typing keeps its order.
        target.post_message(events.Key(event.key, event.character))
