"""Twilio's webhooks, mounted under /twilio/ (the media WebSocket lives in the ASGI gateway, not here)."""

from django.urls import path

from synclead.telephony.twilio import webhooks

app_name = "twilio"
urlpatterns = [
    path("voice", webhooks.voice, name="voice"),
    path("status", webhooks.status, name="status"),
    path("recording", webhooks.recording, name="recording"),
    path("voicemail-done", webhooks.voicemail_done, name="voicemail_done"),
]
