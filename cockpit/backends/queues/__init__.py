"""Queue kinds as adapters: `base` (the protocol and `QueueState`), `registry` (which kinds and
channels exist), one module per kind, one per channel (the server's shared round trip)."""
