"""The Textual app, its screens and dialogs, and the read-only web view."""
