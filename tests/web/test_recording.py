"""A call's recording, played from the dashboard: only to its own organization's staff, only from our folder."""

from __future__ import annotations

from synclead.config import get_settings


def test_recording_is_served_to_its_organization_and_played_on_the_page(client_a, make_call, org_a):
    call = make_call(org_a)
    folder = get_settings().recordings_dir / org_a.slug
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{call.call_sid}.wav"
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    call.recording_file = str(path)
    call.save()
    page = client_a.get(f"/calls/{call.call_sid}/")
    assert f'src="/calls/{call.call_sid}/recording.wav"' in page.content.decode()
    response = client_a.get(f"/calls/{call.call_sid}/recording.wav")
    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    assert b"".join(response.streaming_content).startswith(b"RIFF")


def test_another_organizations_recording_is_a_404(client_a, make_call, org_b):
    call = make_call(org_b)
    path = get_settings().recordings_dir / org_b.slug / f"{call.call_sid}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF")
    call.recording_file = str(path)
    call.save()
    assert client_a.get(f"/calls/{call.call_sid}/recording.wav").status_code == 404


def test_a_path_outside_the_recordings_folder_is_never_served(client_a, make_call, org_a, tmp_path):
    secret = tmp_path / "secret.wav"
    secret.write_bytes(b"RIFF")
    call = make_call(org_a)
    call.recording_file = str(secret)
    call.save()
    assert client_a.get(f"/calls/{call.call_sid}/recording.wav").status_code == 404
    assert client_a.get(f"/calls/{make_call(org_a).call_sid}/recording.wav").status_code == 404
