// Talk to your agent: a test call from the dashboard. The microphone goes to the gateway's /browser/call
// WebSocket as 16-bit PCM (captured by an AudioWorklet), the agent's voice comes back the same way and plays
// through another. Every word shown comes from the page (the template translates it) or from the server; text is
// always set with textContent.
(function () {
  "use strict";

  const root = document.querySelector("[data-talk]");
  if (!root) return;
  const startButton = root.querySelector("[data-talk-start]");
  const hangupButton = root.querySelector("[data-talk-hangup]");
  const statusLine = root.querySelector("[data-talk-status]");
  const transcript = root.querySelector("[data-talk-transcript]");
  const report = root.querySelector("[data-talk-report]");
  const reportLink = root.querySelector("[data-talk-report-link]");
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  let call = null;

  function say(text, state) {
    statusLine.textContent = text;
    if (state) root.dataset.state = state;
  }

  function addUtterance(u) {
    const item = document.createElement("li");
    item.className = "utterance utterance--" + u.role;
    item.dataset.role = u.role;
    const meta = document.createElement("div");
    meta.className = "utterance__meta";
    const role = document.createElement("span");
    role.className = "utterance__role";
    role.textContent = u.role === "caller" ? root.dataset.labelCaller : root.dataset.labelAgent;
    meta.append(role);
    if (u.interrupted) {
      const cut = document.createElement("span");
      cut.className = "interrupted";
      cut.textContent = root.dataset.labelInterrupted;
      meta.append(cut);
    }
    const text = document.createElement("p");
    text.className = "utterance__text";
    text.textContent = u.text;
    item.append(meta, text);
    transcript.append(item);
  }

  function finish(message) {
    if (!call) return;
    const { media, context, socket, callUrl } = call;
    call = null;
    media.getTracks().forEach((track) => track.stop());
    context.close();
    if (socket.readyState <= WebSocket.OPEN) socket.close(1000);
    startButton.hidden = false;
    startButton.disabled = false;
    hangupButton.hidden = true;
    say(message, "ended");
    if (callUrl) {
      reportLink.href = callUrl;
      report.hidden = false;
    }
  }

  function onServerMessage(event, player) {
    if (typeof event.data !== "string") {
      player.port.postMessage({ audio: event.data }, [event.data]);
      return;
    }
    const message = JSON.parse(event.data);
    if (message.type === "started") {
      say(root.dataset.msgLive, "live");
    } else if (message.type === "mark") {
      player.port.postMessage({ mark: message.name });
    } else if (message.type === "clear") {
      player.port.postMessage({ clear: true });
      root.dataset.clears = String(Number(root.dataset.clears) + 1);
    } else if (message.type === "utterance") {
      addUtterance(message);
    } else if (message.type === "transfer") {
      say(root.dataset.msgTransfer + " " + message.number);
    } else if (message.type === "ended") {
      root.dataset.endReason = message.reason;
    }
  }

  async function start() {
    startButton.disabled = true;
    transcript.replaceChildren();
    report.hidden = true;
    root.dataset.playedSamples = "0";
    root.dataset.clears = "0";
    say(root.dataset.msgConnecting, "connecting");
    let media;
    try {
      media = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (error) {
      startButton.disabled = false;
      say(root.dataset.msgNoMicrophone, "failed");
      return;
    }
    const context = new AudioContext({ latencyHint: "interactive" });
    try {
      await context.audioWorklet.addModule(root.dataset.workletUrl);
      await context.resume();
      const response = await fetch(root.dataset.startUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      const placed = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(placed.error || root.dataset.msgFailed);
      const scheme = location.protocol === "https:" ? "wss://" : "ws://";
      const socket = new WebSocket(scheme + location.host + placed.socket);
      socket.binaryType = "arraybuffer";
      call = { media, context, socket, callUrl: placed.callUrl };

      const source = context.createMediaStreamSource(media);
      const frameSamples = Math.round(context.sampleRate / 50);
      // No output: a node without outputs is pulled by the graph on its own, and nothing of the microphone is played.
      const capture = new AudioWorkletNode(context, "synclead-capture", {
        numberOfOutputs: 0,
        processorOptions: { frameSamples },
      });
      const player = new AudioWorkletNode(context, "synclead-player", { outputChannelCount: [1] });
      player.connect(context.destination);
      player.port.onmessage = (event) => {
        if (event.data.mark && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ type: "mark", name: event.data.mark }));
        } else if (event.data.played !== undefined) {
          root.dataset.playedSamples = String(event.data.played);
        }
      };
      capture.port.onmessage = (event) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(event.data);
      };
      socket.onopen = () => {
        socket.send(
          JSON.stringify({ type: "start", callSid: placed.callSid, token: placed.token, sampleRate: context.sampleRate }),
        );
        source.connect(capture);
      };
      socket.onmessage = (event) => onServerMessage(event, player);
      socket.onclose = (event) => {
        root.dataset.closeCode = String(event.code);
        // The server's close reason is for logs; the member reads the page's own (translated) words.
        const normal = event.code === 1000 || event.code === 1005;
        finish(normal ? root.dataset.msgEnded : event.code === 1008 ? root.dataset.msgRefused : root.dataset.msgCut);
      };
      startButton.hidden = true;
      hangupButton.hidden = false;
    } catch (error) {
      if (call) call.socket.close();
      media.getTracks().forEach((track) => track.stop());
      context.close();
      call = null;
      startButton.disabled = false;
      say(error.message || root.dataset.msgFailed, "failed");
    }
  }

  startButton.addEventListener("click", start);
  hangupButton.addEventListener("click", () => {
    if (call && call.socket.readyState === WebSocket.OPEN) {
      call.socket.send(JSON.stringify({ type: "hangup" }));
    }
  });
})();
