"""The dashboard's test call: a member's browser as the carrier (the page's WebSocket, PCM frames, JSON control)."""
