// The test call's audio, on the audio thread: the microphone cut into 20 ms frames of 16-bit PCM for the server,
// and the agent's voice played as it arrives, with its marks echoed once the audio before them has played (as a
// telephone carrier echoes them), so the server knows how much of a reply was heard before a barge-in.
"use strict";

class CaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.frame = new Int16Array(options.processorOptions.frameSamples);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const sample = Math.max(-1, Math.min(1, channel[i]));
      this.frame[this.filled++] = sample < 0 ? sample * 0x8000 : sample * 0x7fff;
      if (this.filled === this.frame.length) {
        // Transferred, not copied: the buffer (and the array's length with it) is the main thread's from here on.
        const samples = this.frame.length;
        this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
        this.frame = new Int16Array(samples);
        this.filled = 0;
      }
    }
    return true;
  }
}

class PlayerProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = []; // {audio: Float32Array, offset} or {mark: name}, in the order the server sent them
    this.played = 0; // agent samples played so far
    this.reported = 0;
    this.port.onmessage = (event) => {
      const data = event.data;
      if (data.audio) {
        const pcm = new Int16Array(data.audio);
        const audio = new Float32Array(pcm.length);
        for (let i = 0; i < pcm.length; i++) audio[i] = pcm[i] / 0x8000;
        this.queue.push({ audio, offset: 0 });
      } else if (data.mark) {
        this.queue.push({ mark: data.mark });
        this.echoMarks();
      } else if (data.clear) {
        // A barge-in: the unplayed rest of the reply is dropped, and its marks with it.
        this.queue = [];
      }
    };
  }

  echoMarks() {
    while (this.queue.length && this.queue[0].mark) {
      this.port.postMessage({ mark: this.queue.shift().mark });
    }
  }

  process(inputs, outputs) {
    const out = outputs[0][0];
    let written = 0;
    while (written < out.length) {
      this.echoMarks();
      const head = this.queue[0];
      if (!head) break;
      const n = Math.min(out.length - written, head.audio.length - head.offset);
      out.set(head.audio.subarray(head.offset, head.offset + n), written);
      head.offset += n;
      written += n;
      if (head.offset === head.audio.length) this.queue.shift();
    }
    this.echoMarks();
    out.fill(0, written);
    this.played += written;
    if (this.played - this.reported >= sampleRate / 10 || (written === 0 && this.played !== this.reported)) {
      this.reported = this.played;
      this.port.postMessage({ played: this.played });
    }
    return true;
  }
}

registerProcessor("synclead-capture", CaptureProcessor);
registerProcessor("synclead-player", PlayerProcessor);
