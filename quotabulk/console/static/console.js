// The console's only script (served from /static, so the CSP needs no inline code):
// each part runs when its page has the elements it needs.
"use strict";

const drop = document.getElementById("drop");
const files = document.getElementById("files");
const chosen = document.getElementById("chosen");
const showChosen = () => {
  if (!chosen || !files) return;
  const names = Array.from(files.files || []).map((f) => f.name);
  chosen.textContent = names.length ? names.join(", ") : chosen.dataset.none;
};
if (files) files.addEventListener("change", showChosen);
if (drop && files) {
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    files.files = e.dataTransfer.files;
    showChosen();
  });
}

// Approve (or submit) only after ticking «I have reviewed the plan»; the state of the
// box survives Back, so read it at load too.
const reviewed = document.getElementById("reviewed");
const approve = document.getElementById("approve");
if (reviewed && approve) {
  const sync = () => { approve.disabled = !reviewed.checked; };
  reviewed.addEventListener("change", sync);
  window.addEventListener("pageshow", sync);
  sync();
}

// The filter only hides rows from view: the count on the button says what is sent.
const filter = document.getElementById("filter");
if (filter) {
  filter.addEventListener("change", (e) => {
    for (const row of document.querySelectorAll("#changes tr[data-action]")) {
      row.hidden = Boolean(e.target.value) && row.dataset.action !== e.target.value;
    }
    const note = document.getElementById("filter-note");
    if (note) note.hidden = !e.target.value;
  });
}

// A page that follows the server says what it hears: the connection lost (a restart,
// the network), found again, or the session gone (then polling stops: sign in again).
const connection = document.getElementById("connection");
const say = (key) => {
  if (!connection) return;
  connection.textContent = key ? connection.dataset[key] : "";
  connection.hidden = !key;
};
let lost = false;
const follow = async (url) => {
  try {
    const answer = await fetch(url, { cache: "no-store" });
    if (answer.redirected && new URL(answer.url).pathname === "/login") {
      say("ended");
      const link = document.createElement("a");
      link.href = "/login";
      link.textContent = " →";
      connection.append(link);
      return null;
    }
    if (answer.status === 404) {  // restarted before the run began: it was never sent
      say("gone");
      return null;
    }
    if (!answer.ok) throw new Error(String(answer.status));
    const body = await answer.json();
    if (lost) { say("back"); setTimeout(() => say(null), 4000); }
    lost = false;
    return body;
  } catch (err) {
    lost = true;
    say("lost");
    return undefined;
  }
};

// A job's page follows its progress until it is done, then shows the result.
const state = document.getElementById("state");
if (state && state.dataset.done === "no") {
  const refresh = async () => {
    const job = await follow(state.dataset.url);
    if (job === null) return;
    if (job) {
      document.getElementById("sent").textContent = job.sent;
      document.getElementById("total").textContent = job.to_send;
      document.getElementById("final").textContent = job.final;
      const bar = document.getElementById("bar");
      bar.max = job.to_send || 1;
      bar.value = job.final;
      const waiting = document.getElementById("operator-waiting");
      if (waiting) waiting.hidden = !job.operator_waiting;
      if (job.done) { location.reload(); return; }
    }
    setTimeout(refresh, 700);
  };
  setTimeout(refresh, 300);
}

// An upload being read and planned: follow the worker, then show the plan.
const planning = document.getElementById("planning");
if (planning) {
  const poll = async () => {
    const task = await follow(planning.dataset.url);
    if (task === null) return;
    if (task) {
      const waiting = document.getElementById("operator-waiting");
      if (waiting) waiting.hidden = !task.operator_waiting;
      if (task.done) { location.reload(); return; }
    }
    setTimeout(poll, 500);
  };
  setTimeout(poll, 300);
}
