// Calls in progress, live: reads the server-sent events of `live_streams.py` and draws them into the page.
// Every word shown comes from the page (the templates translate it) or from the server's events; text is
// always set with textContent, never parsed as HTML.
(function () {
  "use strict";

  const root = document.querySelector("[data-live-stream]");
  if (!root) return;

  function utteranceItem(u) {
    const item = document.createElement("li");
    item.className = "utterance utterance--" + u.role;
    item.dataset.key = u.key;
    item.dataset.start = String(u.start_ms);
    const meta = document.createElement("div");
    meta.className = "utterance__meta";
    const role = document.createElement("span");
    role.className = "utterance__role";
    role.textContent = u.role_label;
    const time = document.createElement("span");
    time.className = "utterance__time";
    time.textContent = u.at;
    meta.append(role, time);
    if (u.interrupted) {
      const cut = document.createElement("span");
      cut.className = "interrupted";
      cut.textContent = root.dataset.interruptedLabel || "";
      meta.append(cut);
    }
    const text = document.createElement("p");
    text.className = "utterance__text";
    text.textContent = u.text;
    item.append(meta, text);
    return item;
  }

  // In media-time order, whatever order the events arrived in; an utterance already shown is not shown twice.
  function addUtterance(list, u) {
    if (!list || list.querySelector('[data-key="' + CSS.escape(u.key) + '"]')) return;
    const item = utteranceItem(u);
    const later = Array.from(list.children).find((li) => Number(li.dataset.start) > u.start_ms);
    list.insertBefore(item, later || null);
    const empty = list.parentElement && list.parentElement.querySelector("[data-live-empty]");
    if (empty) empty.hidden = true;
  }

  function showLead(container, lead) {
    if (!container || !lead) return;
    for (const field of ["name", "phone", "intent", "urgency"]) {
      const slot = container.querySelector('[data-live-field="' + field + '"]');
      if (slot) slot.textContent = lead[field] || slot.dataset.blank || "";
    }
  }

  function say(text) {
    const status = document.querySelector("[data-live-status]");
    if (status && text) status.textContent = text;
  }

  const source = new EventSource(root.dataset.liveStream);
  const on = (name, handler) =>
    source.addEventListener(name, (event) => handler(JSON.parse(event.data)));

  if (root.dataset.liveMode === "call") {
    const list = document.querySelector("[data-live-transcript]");
    const lead = document.querySelector("[data-live-lead]");
    on("snapshot", (state) => {
      state.utterances.forEach((u) => addUtterance(list, u));
      showLead(lead, state.lead);
    });
    on("utterance", (u) => addUtterance(list, u));
    on("lead", (data) => showLead(lead, data.lead));
    on("ended", () => {
      say(root.dataset.endedLabel);
      document.querySelectorAll("[data-live-control]").forEach((form) => form.remove());
    });
    // The report is written: the page as it now stands has the summary, the lead and the recording.
    on("report", () => {
      source.close();
      window.location.reload();
    });
    return;
  }

  // The live calls page: one card per call in progress.
  const calls = document.querySelector("[data-live-calls]");
  const template = document.getElementById("live-call-template");
  const empty = document.querySelector("[data-live-none]");

  function refreshEmpty() {
    if (empty) empty.hidden = calls.children.length > 0;
  }

  function card(sid) {
    return calls.querySelector('[data-call-sid="' + CSS.escape(sid) + '"]');
  }

  function addCall(state) {
    let article = card(state.call_sid);
    if (!article) {
      article = template.content.firstElementChild.cloneNode(true);
      article.dataset.callSid = state.call_sid;
      const heading = article.querySelector("[data-live-heading]");
      heading.id = "live-" + state.call_sid;
      article.setAttribute("aria-labelledby", heading.id);
      const link = article.querySelector("[data-live-link]");
      link.href = state.url;
      link.textContent = state.from;
      article.querySelector("[data-live-organization]").textContent = state.organization;
      article.querySelector("[data-live-started]").textContent = state.started;
      article.querySelectorAll("form[data-live-control]").forEach((form) => {
        form.action = state.control_url;
      });
      const transfer = article.querySelector("[data-live-transfer]");
      if (transfer) {
        if (state.can_transfer) transfer.textContent = state.transfer_label;
        else transfer.remove();
      }
      calls.append(article);
    }
    const list = article.querySelector("[data-live-transcript]");
    state.utterances.forEach((u) => addUtterance(list, u));
    showLead(article, state.lead);
    refreshEmpty();
  }

  on("snapshot", (data) => {
    // A reconnection's snapshot is the truth: cards of calls that ended meanwhile go.
    const live = new Set(data.calls.map((c) => c.call_sid));
    Array.from(calls.children).forEach((article) => {
      if (!live.has(article.dataset.callSid)) article.remove();
    });
    data.calls.forEach(addCall);
    refreshEmpty();
  });
  on("call", addCall);
  on("utterance", (u) => {
    const article = card(u.call_sid);
    if (article) addUtterance(article.querySelector("[data-live-transcript]"), u);
  });
  on("lead", (data) => showLead(card(data.call_sid), data.lead));
  on("ended", (data) => {
    const article = card(data.call_sid);
    if (article) article.remove();
    refreshEmpty();
  });
})();
