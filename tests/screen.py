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

    app = pilot.app
    field = app.focused
    assert field is not None, "type_text needs a focused field"

    def content() -> str:
        return str(getattr(field, "value", None) if hasattr(field, "value") else getattr(field, "text", ""))

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
    deadline = time.monotonic() + timeout
    while text not in content()[len(before) :] and text not in content():
        if time.monotonic() > deadline:
            raise AssertionError(f"typed {text!r}, the field holds {content()!r}")
        await pilot.pause(0.02)
