// Resumable uploads with tus-js-client: POST /v1/assets opens the asset and its tus upload, then
// the bytes go in 5 MiB PATCHes. What is in flight is remembered in localStorage, so after a page
// reload (or a crash) choosing the same file again continues where the server's offset stands.
import { ApiError, post } from "./api.js";
import { bytes, field, fill, h, progressBar, toast } from "./ui.js";
import { refreshCredits } from "./main.js";

const CHUNK = 5 * 1024 * 1024;
const STORE = "roughy.uploads";
const LANGUAGES = [["", "Detect automatically"], ["en", "English"], ["de", "German"], ["es", "Spanish"],
  ["fr", "French"], ["it", "Italian"], ["nl", "Dutch"], ["pt", "Portuguese"], ["pl", "Polish"],
  ["sv", "Swedish"], ["ja", "Japanese"], ["zh", "Chinese"]];
const active = new Map(); // fingerprint -> Transfer (survives leaving the project page)

function fingerprint(file) { return `${file.name}|${file.size}|${file.lastModified}`; }
function remembered() { try { return JSON.parse(localStorage.getItem(STORE) || "{}"); } catch { return {}; } }
function remember(key, value) {
  const all = remembered();
  if (value) all[key] = value; else delete all[key];
  localStorage.setItem(STORE, JSON.stringify(all));
}
function sameOrigin(url) { const u = new URL(url, location.href); return `${location.origin}${u.pathname}`; }

function tusMessage(err) {
  const response = err && err.originalResponse;
  if (!response) return "The connection dropped and retries ran out. Press Resume to continue.";
  let body = null;
  try { body = JSON.parse(response.getBody() || "null"); } catch { body = null; }
  const message = body && body.error && body.error.message;
  const status = response.getStatus();
  if (body && body.error && body.error.code === "not_media") {
    return "This file is not audio or video, so it was not uploaded.";
  }
  return message || `The upload failed (HTTP ${status}).`;
}

class Transfer {
  constructor(file, record, uploader) {
    this.file = file;
    this.key = fingerprint(file);
    this.record = record;
    this.uploader = uploader;
    this.state = "uploading";
    this.fraction = 0;
    this.message = "";
    this.row = h("div", { class: "upload", dataset: { upload: record.assetId } });
    this.upload = new window.tus.Upload(file, {
      uploadUrl: sameOrigin(record.uploadUrl),
      chunkSize: CHUNK,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      storeFingerprintForResuming: false,
      onShouldRetry: (err) => {
        const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
        return status === 0 || status === 423 || status >= 500;
      },
      onProgress: (sent, total) => { this.fraction = total ? sent / total : 0; this.draw(); },
      onSuccess: () => {
        this.state = "done";
        this.fraction = 1;
        this.message = "Uploaded. Roughy is preparing it.";
        remember(this.key, null);
        this.draw();
        this.uploader.changed();
      },
      onError: (err) => {
        this.state = "failed";
        this.message = tusMessage(err);
        const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
        this.retryable = status === 0 || status === 423 || status >= 500;
        if (!this.retryable) this.fraction = 0;
        if (status >= 400 && status < 500 && status !== 423) remember(this.key, null);
        this.draw();
        this.uploader.changed();
      },
    });
  }

  start(resumedFrom) {
    if (resumedFrom) this.message = `Resuming from ${Math.round(resumedFrom * 100)}%…`;
    this.state = "uploading";
    this.upload.start();
    this.draw();
  }

  pause() { this.upload.abort(false); this.state = "paused"; this.message = "Paused."; this.draw(); }

  async cancel() {
    this.state = "cancelled";
    try { await this.upload.abort(true); } catch { /* the asset may already be gone */ }
    remember(this.key, null);
    active.delete(this.key);
    this.row.remove();
    this.uploader.changed();
  }

  draw() {
    const name = this.file.name;
    const buttons = [];
    if (this.state === "uploading") {
      buttons.push(h("button", { type: "button", onclick: () => this.pause(), "aria-label": `Pause ${name}` }, "Pause"));
    }
    if (this.state === "paused" || (this.state === "failed" && this.retryable)) {
      buttons.push(h("button", { type: "button", class: "primary", onclick: () => this.start(),
        "aria-label": `Resume ${name}` }, "Resume"));
    }
    if (this.state !== "done") {
      const dismiss = this.state === "failed" && !this.retryable;
      buttons.push(h("button", { type: "button", class: dismiss ? "" : "danger", onclick: () => this.cancel(),
        "aria-label": `${dismiss ? "Dismiss" : "Cancel"} ${name}` }, dismiss ? "Dismiss" : "Cancel"));
    }
    this.row.dataset.state = this.state;
    fill(this.row,
      h("div", { class: "row spread" }, h("strong", {}, name),
        h("span", { class: "muted small stat" }, `${Math.round(this.fraction * 100)}% of ${bytes(this.file.size)}`)),
      h("div", { class: "row" }, progressBar(this.fraction, `Upload of ${name}`), ...buttons),
      this.message ? h("div", { class: `small ${this.state === "failed" ? "notice error" : "muted"}`,
        role: this.state === "failed" ? "alert" : null }, this.message) : null);
  }
}

export class Uploader {
  constructor(projectId, onChange) {
    this.projectId = projectId;
    this.onChange = onChange;
    this.list = h("div", { class: "uploads", "aria-live": "polite" });
    this.notice = h("div", { role: "alert" });
    this.language = h("select", { name: "language" },
      LANGUAGES.map(([code, label]) => h("option", { value: code }, label)));
    this.input = h("input", { type: "file", id: "file-input", multiple: true,
      accept: "audio/*,video/*", class: "visually-hidden", style: "position:absolute;left:-9999px" });
    this.input.addEventListener("change", () => { this.add([...this.input.files]); this.input.value = ""; });
    const pick = h("label", { for: "file-input", class: "button primary", role: "button", tabindex: "0",
      onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.input.click(); } } },
    "Choose files");
    this.zone = h("div", { class: "dropzone" },
      h("p", { style: "margin:.2rem 0 .6rem" }, "Drop audio or video files here, or"), pick, this.input,
      h("p", { class: "muted small" }, "Uploads resume after a dropped connection or a page reload."));
    for (const type of ["dragenter", "dragover"]) {
      this.zone.addEventListener(type, (e) => { e.preventDefault(); this.zone.classList.add("over"); });
    }
    this.zone.addEventListener("dragleave", () => this.zone.classList.remove("over"));
    this.zone.addEventListener("drop", (e) => {
      e.preventDefault();
      this.zone.classList.remove("over");
      this.add([...e.dataTransfer.files]);
    });
    this.interrupted = h("div");
    this.element = h("div", { class: "stack" },
      h("div", { style: "max-width:280px" }, field("Spoken language", this.language,
        "A hint for transcription; leave on automatic if unsure.")),
      this.zone, this.notice, this.interrupted, this.list);
    for (const transfer of active.values()) {
      if (transfer.record.projectId === projectId) { this.list.append(transfer.row); transfer.uploader = this; }
    }
    this.showInterrupted();
  }

  changed() { this.showInterrupted(); this.onChange(); refreshCredits(); }
  leave() {}

  async showInterrupted() {
    const waiting = Object.entries(remembered())
      .filter(([key, r]) => r.projectId === this.projectId && !active.has(key));
    const rows = [];
    for (const [key, record] of waiting) {
      const offset = await this.serverOffset(record);
      if (offset === null) { remember(key, null); continue; }
      rows.push(h("div", { class: "notice info small", dataset: { interrupted: record.assetId } },
        `“${record.name}” stopped at ${Math.round((offset / record.size) * 100)}% (${bytes(offset)} of ${bytes(record.size)}). `,
        "Choose the same file again to resume, or ",
        h("button", { type: "button", class: "link", onclick: async () => {
          const transfer = { upload: new window.tus.Upload(new Blob([]), { uploadUrl: sameOrigin(record.uploadUrl) }) };
          try { await transfer.upload.abort(true); } catch { /* gone already */ }
          remember(key, null);
          this.changed();
        } }, "discard it"), "."));
    }
    this.interrupted.replaceChildren(...rows);
  }

  async serverOffset(record) {
    try {
      const response = await fetch(sameOrigin(record.uploadUrl), {
        method: "HEAD", credentials: "same-origin", headers: { "Tus-Resumable": "1.0.0" } });
      if (!response.ok) return null;
      return Number(response.headers.get("Upload-Offset") || 0);
    } catch { return null; }
  }

  async add(files) {
    this.notice.replaceChildren();
    for (const file of files) {
      const key = fingerprint(file);
      if (active.has(key)) continue;
      const known = remembered()[key];
      if (known && known.projectId === this.projectId) {
        const offset = await this.serverOffset(known);
        if (offset !== null) { this.begin(file, known, offset / file.size); continue; }
        remember(key, null);
      }
      try {
        const asset = await post("/v1/assets", { project_id: this.projectId, size_bytes: file.size,
          language: this.language.value || null, filename: file.name });
        const record = { assetId: asset.id, uploadUrl: asset.upload_url, projectId: this.projectId,
          name: file.name, size: file.size };
        remember(key, record);
        this.begin(file, record, 0);
        this.onChange();
      } catch (err) {
        this.notice.replaceChildren(h("div", { class: "notice error" }, createMessage(err, file)));
      }
    }
  }

  begin(file, record, resumedFrom) {
    const transfer = new Transfer(file, record, this);
    active.set(transfer.key, transfer);
    this.list.append(transfer.row);
    transfer.start(resumedFrom);
    this.showInterrupted();
  }
}

function createMessage(err, file) {
  if (err instanceof ApiError && err.code === "insufficient_credits") {
    return h("span", {}, `“${file.name}” was not uploaded: your credit balance is empty. `,
      "Each started minute of media costs 1 credit. ", h("a", { href: "#/account" }, "See credits and billing"), ".");
  }
  if (err instanceof ApiError && err.code === "payload_too_large") {
    return `“${file.name}” is larger than the 50 GiB limit.`;
  }
  if (err instanceof ApiError && err.status === 422 && file.size < 64) {
    return `“${file.name}” is too small to be a recording.`;
  }
  toast(err.message, "error");
  return `“${file.name}” was not uploaded: ${err.message}`;
}
