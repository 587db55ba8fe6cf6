"""Read the TUI as a person would: the screen's characters, as plain text."""

from __future__ import annotations

from textual.app import App


def screen_text(app: App) -> str:
    """Every line of what the terminal shows right now (the active screen, modals included)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip).rstrip() for strip in strips)


async def type_text(pilot, text: str, timeout: float = 30.0) -> None:
    """Type `text` into the focused field as key events, in order: what `pilot.press(*text)`
    sends, without waiting for the app to go idle after every character (each of those waits
    sleeps at least 40 ms: a 60-character scope cost ~5 s). Returns once the field holds it."""
    import time
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
    from textual.widgets import Input, TextArea

    app = pilot.app
    deadline = time.monotonic() + timeout

    def focused_field() -> Input | TextArea | None:
        # A dialog focuses its field once mounted: until then, keys would land elsewhere.
        focused = app.focused
        return focused if isinstance(focused, (Input, TextArea)) and focused.screen is app.screen else None

    while (field := focused_field()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"no text field of this screen has the focus to type {text!r} into")
        await pilot.pause(0.02)

    def content() -> str:
        return field.value if isinstance(field, Input) else field.text

    before = content()
    for key in text:
        if not key.isalnum():
            key = _character_to_key(key)
        original = REPLACED_KEYS.get(key, key)
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(original))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
    while content().count(text) <= before.count(text):  # the field holds it once more
        if time.monotonic() > deadline:
            raise AssertionError(f"typed {text!r}, the field holds {content()!r}")
        await pilot.pause(0.02)
