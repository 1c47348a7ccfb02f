"""Records both sides of a call to a stereo WAV (left: caller, right: agent) on the media clock.

Inbound frames are the clock: each one writes a stereo frame of its own length. The agent's frames wait in a short
buffer that starts at the clock, so each lands where the carrier began playing it (right after the audio queued before
it, or now if the agent was quiet); a `clear` drops that buffer, as the carrier drops the unplayed tail.

The event loop only interleaves samples into memory; about once a second the bytes go to one shared writer thread, so
a slow disk never stalls a call. The file is written beside its final name and renamed when the call ends.

A disk that fails (full, gone read-only) costs the recording, never the call: the writer stops writing, removes what
it had, and says why in `error`, for the call's row and page.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Final

import numpy as np

from synclead.engine.ports import SAMPLE_RATE, Pcm

log = logging.getLogger(__name__)

CHANNELS: Final = 2
SAMPLE_BYTES: Final = 2
# Hand the disk about a second at a time: few thread hops, and little lost if the process dies.
FLUSH_BYTES: Final = SAMPLE_RATE * CHANNELS * SAMPLE_BYTES
# The engine keeps well under a second ahead of the caller; more than this is a bug, not audio to keep.
MAX_AHEAD_SAMPLES: Final = 10 * SAMPLE_RATE
# The same margin as a Twilio recording's: the session may run a little past its limit to say goodbye.
MARGIN_S: Final = 60

# One thread for every call's recording: it keeps each file's writes in order and never blocks the loop.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synclead-audio")


def max_samples_for(max_call_s: int) -> int:
    return (max_call_s + MARGIN_S) * SAMPLE_RATE


def recording_error(exc: OSError) -> str:
    """Why a recording is missing, in the words an operator acts on."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disk full"
    return (exc.strerror or type(exc).__name__).lower()


class CallAudioWriter:
    """One call's recording. Feed it from the event loop; `finish` exactly once, from anywhere in the teardown."""

    def __init__(self, target: Path, partial: Path, out: BinaryIO, wav: wave.Wave_write, max_samples: int) -> None:
        self.target = target
        self._partial = partial
        self._out = out
        self._wav = wav
        self.max_samples = max_samples
        self.samples = 0  # the media clock, in samples: what the file holds once flushed
        self._agent = bytearray()  # agent audio from the clock onwards, little-endian int16
        self._chunk = bytearray()  # interleaved stereo not yet handed to the writer thread
        # Why the recording is lost ("disk full"), once a write has failed; empty while it is being written.
        self.error = ""
        self._finished: asyncio.Future[Path | None] | None = None

    @classmethod
    async def create(cls, folder: Path, call_sid: str, max_samples: int) -> CallAudioWriter:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_executor, cls._open, folder, call_sid, max_samples)

    @classmethod
    def _open(cls, folder: Path, call_sid: str, max_samples: int) -> CallAudioWriter:
        folder.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{call_sid}.", suffix=".part")
        out = os.fdopen(handle, "wb")
        wav = wave.open(out, "wb")  # noqa: SIM115 - closed by _finalise, on the writer thread
        wav.setnchannels(CHANNELS)
        wav.setsampwidth(SAMPLE_BYTES)
        wav.setframerate(SAMPLE_RATE)
        return cls(folder / f"{call_sid}.wav", Path(partial), out, wav, max_samples)

    def caller(self, audio: Pcm) -> None:
        """An inbound frame: advance the clock by its length, with whatever the agent was playing meanwhile."""
        n = min(len(audio), self.max_samples - self.samples)
        if n <= 0 or self._finished is not None:
            return
        agent = np.zeros(n, dtype="<i2")
        queued = min(n, len(self._agent) // SAMPLE_BYTES)
        if queued:
            agent[:queued] = np.frombuffer(self._agent, dtype="<i2", count=queued)
            del self._agent[: queued * SAMPLE_BYTES]
        stereo = np.empty(2 * n, dtype="<i2")
        stereo[0::2] = audio[:n]
        stereo[1::2] = agent
        self._chunk += stereo.tobytes()
        self.samples += n
        if len(self._chunk) >= FLUSH_BYTES:
            self._flush()

    def agent(self, audio: Pcm) -> None:
        """An outbound frame, as it is sent: it plays after the agent audio still queued at the carrier."""
        if self._finished is not None:
            return
        room = MAX_AHEAD_SAMPLES - len(self._agent) // SAMPLE_BYTES
        if room < len(audio):
            log.warning("recording %s: agent audio runs %d s ahead; dropping", self.target.name, MAX_AHEAD_SAMPLES)
        self._agent += audio[: max(room, 0)].astype("<i2", copy=False).tobytes()

    def clear(self) -> None:
        """A barge-in: the carrier drops what it has not played yet, and so does the recording."""
        self._agent.clear()

    async def finish(self) -> Path | None:
        """Write what is left, complete the header and rename to `<call_sid>.wav`; None if nothing was recorded.

        Agent audio still ahead of the clock was never heard, so the file ends where the caller's stream did.
        """
        if self._finished is None:
            self._flush()
            self._agent.clear()
            self._finished = asyncio.wrap_future(_executor.submit(self._finalise))
        return await asyncio.shield(self._finished)

    def _flush(self) -> None:
        if self._chunk:
            _executor.submit(self._write, bytes(self._chunk))
            self._chunk.clear()

    def _write(self, data: bytes) -> None:
        if self.error:
            return
        try:
            self._wav.writeframesraw(data)
        except OSError as exc:
            # A full disk costs the recording, never the call.
            self._fail(exc)

    def _finalise(self) -> Path | None:
        # After a failed write the buffers still hold bytes the disk refused: closing tries them once more and fails
        # again, but the descriptor is released all the same.
        try:
            self._wav.close()  # patches the header's lengths
        except OSError as exc:
            self._fail(exc)
        finally:
            try:
                self._out.close()
            except OSError as exc:
                self._fail(exc)
        if not self.error and self.samples:
            try:
                os.replace(self._partial, self.target)
                return self.target
            except OSError as exc:
                self._fail(exc)
        # Half a recording is not kept: its header would not match its length, and the space is better given back.
        with contextlib.suppress(OSError):
            self._partial.unlink(missing_ok=True)
        return None

    def _fail(self, exc: OSError) -> None:
        if not self.error:  # the first failure is the cause; the others follow from it
            self.error = recording_error(exc)
            log.error("recording %s failed (%s); the call goes on without it", self.target.name, exc)
