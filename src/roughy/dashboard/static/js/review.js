// The review editor: the transcript with every decision, the waveform, listening to each
// decision as it will sound, keep/remove toggles, undo, and saving an edited cut.
import { ApiError, get, post, query } from "./api.js";
import { EditModel } from "./edits.js";
import { Player } from "./player.js";
import { RenderPanel } from "./renders.js";
import { clock, field, fill, h, mount, progressBar, toast } from "./ui.js";
import { Waveform, kindColour } from "./wave.js";

const CONTEXT = 1_000_000; // a second either side of a decision
const KINDS = ["filler", "silence", "false_start", "retake", "retake_cue", "off_script", "stutter", "manual"];

export async function showReview(assetId) {
  const asset = await get(`/v1/assets/${assetId}`);
  const project = await get(`/v1/projects/${asset.project_id}`);
  const name = asset.filename || `Recording ${asset.id.slice(0, 8)}`;
  const crumbs = h("nav", { class: "small", "aria-label": "Breadcrumb" }, h("a", { href: "#/projects" }, "Projects"),
    " / ", h("a", { href: `#/projects/${asset.project_id}` }, project.name), " / ", name);
  const cuts = (await get(`/v1/cuts${query({ asset_id: assetId, limit: 100 })}`)).items;
  const engine = cuts.find((c) => !c.base_cut_id && c.state !== "failed");
  if (!engine) return showCutStart(asset, name, crumbs, cuts.find((c) => !c.base_cut_id));
  if (engine.state !== "completed") return showCutProgress(asset, name, crumbs, engine.id);
  const base = await get(`/v1/cuts/${engine.id}`);
  const latest = cuts.find((c) => c.base_cut_id === engine.id);
  const saved = latest ? await get(`/v1/cuts/${latest.id}`) : null;
  const editor = new ReviewEditor(asset, name, base, saved);
  mount(crumbs, editor.element);
  await editor.start();
  return () => editor.leave();
}

function showCutStart(asset, name, crumbs, failed) {
  const script = h("textarea", { rows: "4", maxlength: "100000",
    placeholder: "Optional: paste the script you read from to keep one take per sentence." });
  const go = h("button", { type: "button", class: "primary", id: "make-cut" }, "Make the rough cut");
  go.addEventListener("click", async () => {
    go.disabled = true;
    try {
      const cut = await post("/v1/cuts", { asset_id: asset.id, script: script.value.trim() || null });
      showCutProgress(asset, name, crumbs, cut.id);
    } catch (err) {
      go.disabled = false;
      toast(err.message, "error");
    }
  });
  mount(crumbs, h("section", { class: "panel stack" }, h("h1", {}, name),
    failed ? h("div", { class: "notice error" }, `The last cut failed: ${failed.error_message || failed.error_code}`) : null,
    h("p", {}, "Roughy transcribes the recording and decides what to drop: fillers, long pauses, false starts, ",
      "stutters and abandoned retakes. You then review every decision here."),
    field("Script (optional)", script), go));
}

async function showCutProgress(asset, name, crumbs, cutId) {
  const bar = h("div", { class: "row" });
  const box = h("section", { class: "panel stack" }, h("h1", {}, name), h("p", {}, "Cutting: transcribing and deciding…"), bar);
  mount(crumbs, box);
  for (;;) {
    const cut = await get(`/v1/cuts/${cutId}`);
    if (!document.body.contains(box)) return;
    bar.replaceChildren(progressBar(cut.progress || 0, "Cut progress"),
      h("span", { class: "small stat" }, `${Math.round((cut.progress || 0) * 100)}%`));
    if (cut.state === "completed") { showReview(asset.id).then(() => {}); return; }
    if (cut.state === "failed") {
      box.append(h("div", { class: "notice error", role: "alert" }, cut.error_message || "The cut failed."));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

class ReviewEditor {
  constructor(asset, name, base, saved) {
    this.asset = asset;
    this.name = name;
    this.base = base;
    this.model = new EditModel(base);
    this.saved = saved;
    if (saved) this.model.load(saved.edits || []);
    this.savedSignature = this.model.signature();
    this.words = base.words.map((w) => ({ text: w.text, start: Math.round(Number(w.start) * 1e6),
      end: Math.round(Number(w.end) * 1e6) }));
    this.index = 0;
    this.selection = null;
    this.build();
  }

  build() {
    this.kept = h("strong", { id: "kept-duration" });
    this.keptNote = h("span", { class: "muted small" });
    this.saveButton = h("button", { type: "button", class: "primary", id: "save-cut", onclick: () => this.save() }, "Save edited cut");
    this.saveState = h("span", { class: "small muted", id: "save-state", "aria-live": "polite" });
    this.canvas = h("canvas", { id: "waveform", role: "img", "aria-label": "Waveform of the recording; click to pick a decision" });
    this.panel = h("div", { class: "decision", id: "decision", "aria-live": "polite" });
    this.playStatus = h("span", { class: "small muted", id: "play-status", "aria-live": "polite" }, "");
    this.transcript = h("div", { class: "transcript", id: "transcript", "aria-label": "Transcript" });
    const button = (label, key, action, id) => h("button", { type: "button", id, onclick: action,
      "aria-keyshortcuts": key, title: `${label} (${key})` }, label, " ", h("kbd", { class: "hide-narrow" }, key));
    this.toolbar = h("div", { class: "toolbar", role: "toolbar", "aria-label": "Review" },
      button("Previous", "K", () => this.move(-1), "prev-decision"),
      button("Next", "J", () => this.move(1), "next-decision"),
      button("Play as cut", "Space", () => this.playCurrent(true), "play-cut"),
      button("Play original", "O", () => this.playCurrent(false), "play-original"),
      button("Keep / remove", "X", () => this.toggleCurrent(), "toggle-decision"),
      button("Undo", "U", () => this.undo(), "undo"));
    this.renders = new RenderPanel(this.asset, this.name, () => this.ensureSaved());
    this.element = h("div", { class: "stack" },
      h("div", { class: "review-head" },
        h("div", {}, h("h1", {}, this.name), h("div", { class: "legend", "aria-label": "Colours" },
          KINDS.map((k) => h("span", {}, h("i", { style: `background:${kindColour(k)}` }), k.replace("_", " "))))),
        h("div", { class: "stat", style: "text-align:right" }, h("div", {}, "Kept ", this.kept), this.keptNote)),
      h("section", { class: "panel stack", "aria-label": "Decisions" },
        h("div", { class: "wave-wrap" }, this.canvas), this.toolbar, this.panel,
        h("div", { class: "row spread" }, this.playStatus,
          h("div", { class: "row" }, this.saveState, this.saveButton))),
      h("section", { class: "panel", "aria-labelledby": "transcript-title" },
        h("div", { class: "row spread" }, h("h2", { id: "transcript-title" }, "Transcript"),
          h("span", { class: "kbd-help hide-narrow" }, "Click a word (shift-click for a range), then ",
            h("kbd", {}, "T"), " to keep or remove it.")),
        h("div", { class: "row", style: "margin-bottom:.5rem" },
          h("button", { type: "button", id: "toggle-words", onclick: () => this.toggleSelection(),
            "aria-keyshortcuts": "T" }, "Keep / remove selected words")),
        this.transcript),
      this.renders.element);
  }

  async start() {
    const points = Math.min(20000, Math.max(400, Math.round(this.model.duration / 50_000)));
    const wave = await get(`/v1/assets/${this.asset.id}/waveform?points=${points}`);
    this.wave = new Waveform(this.canvas, wave.peaks, this.model.duration, (t) => this.pick(t));
    this.player = new Player(this.asset.id, (t) => this.showPlayhead(t), (state, label) => this.showPlayState(state, label));
    this.buildTranscript();
    this.keys = (event) => this.onKey(event);
    document.addEventListener("keydown", this.keys);
    this.refresh();
    this.renders.setCut(this.saved || this.base, this.dirty());
  }

  leave() {
    document.removeEventListener("keydown", this.keys);
    if (this.player) this.player.stop();
    if (this.wave) this.wave.close();
    this.renders.leave();
  }

  decisions() { return this.model.decisions(); }
  current() { const list = this.decisions(); return list[Math.min(this.index, list.length - 1)] || null; }
  dirty() { return this.model.signature() !== this.savedSignature; }

  buildTranscript() {
    const items = this.words.map((w, i) => ({ at: w.start, el: h("span", { class: "w", dataset: { i: String(i) } }, w.text.trim()) }));
    const engine = [...this.model.removed, ...this.model.suggested];
    this.gaps = engine.filter((d) => !this.words.some((w) => (w.start + w.end) / 2 >= d.start && (w.start + w.end) / 2 < d.end))
      .map((d) => ({ d, el: h("span", { class: "gap", tabindex: "-1", dataset: { start: String(d.start) } },
        `${d.kind === "silence" ? "pause" : d.kind.replace("_", " ")} ${((d.end - d.start) / 1e6).toFixed(1)} s`) }));
    for (const gap of this.gaps) items.push({ at: gap.d.start, el: gap.el });
    items.sort((a, b) => a.at - b.at);
    this.transcript.replaceChildren(...items.flatMap((item) => [item.el, " "]));
    this.transcript.addEventListener("click", (event) => {
      const word = event.target.closest(".w");
      if (word) this.clickWord(Number(word.dataset.i), event.shiftKey);
      const gap = event.target.closest(".gap");
      if (gap) this.pick(Number(gap.dataset.start) + 1);
    });
  }

  clickWord(i, extend) {
    if (extend && this.selection) this.selection = [Math.min(this.selection[0], i), Math.max(this.selection[1], i)];
    else this.selection = [i, i];
    const w = this.words[i];
    const at = this.decisions().findIndex((d) => d.start < w.end && d.end > w.start);
    if (at >= 0 && !extend) this.index = at;
    this.refresh();
  }

  pick(t) {
    const list = this.decisions();
    let best = 0;
    for (let i = 0; i < list.length; i++) {
      const distance = t < list[i].start ? list[i].start - t : t > list[i].end ? t - list[i].end : 0;
      const bestDistance = t < list[best].start ? list[best].start - t : t > list[best].end ? t - list[best].end : 0;
      if (distance < bestDistance) best = i;
    }
    this.index = best;
    this.selection = null;
    this.refresh(true);
  }

  move(step) {
    const count = this.decisions().length;
    if (!count) return;
    this.index = (this.index + step + count) % count;
    this.selection = null;
    this.refresh(true);
  }

  toggleCurrent() {
    const d = this.current();
    if (!d) return;
    const removed = this.model.keptWithin(d.start, d.end) === 0;
    this.model.set(d.start, d.end, removed ? "keep" : "remove");
    this.changed();
  }

  decideSuggestion(accept) {
    const d = this.current();
    if (!d || !d.suggested) return;
    this.model.set(d.start, d.end, accept ? "remove" : "keep");
    this.changed();
  }

  toggleSelection() {
    if (!this.selection) { toast("Select words in the transcript first (click, shift-click)."); return; }
    const [a, b] = this.selection;
    const start = this.words[a].start;
    const end = this.words[b].end;
    const allRemoved = this.model.keptWithin(start, end) === 0;
    this.model.set(start, end, allRemoved ? "keep" : "remove");
    this.changed();
  }

  undo() {
    if (this.model.undo()) this.changed(); else toast("Nothing to undo.");
  }

  changed() {
    const count = this.decisions().length;
    this.index = Math.min(this.index, Math.max(0, count - 1));
    this.refresh();
    this.renders.setCut(this.saved || this.base, this.dirty());
  }

  refresh(scroll = false) {
    const model = this.model;
    const current = this.current();
    const keptUs = model.keptDuration();
    this.kept.textContent = clock(keptUs / 1e6);
    this.keptNote.textContent = ` of ${clock(model.duration / 1e6)} (${clock((keptUs - model.duration) / 1e6)})`;
    const dirty = this.dirty();
    this.saveButton.disabled = !dirty;
    this.saveState.textContent = dirty ? "Unsaved changes" : this.saved ? "Edited cut saved" : "Roughy's cut, unedited";
    const engine = [...model.removed, ...model.suggested].sort((x, y) => x.start - y.start);
    const own = model.decisions().filter((d) => d.own);
    this.words.forEach((w, i) => {
      const el = this.transcript.querySelector(`[data-i="${i}"]`);
      const mid = (w.start + w.end) / 2;
      const hit = engine.find((d) => mid >= d.start && mid < d.end) || own.find((d) => mid >= d.start && mid < d.end);
      const kept = model.isKept(mid);
      el.className = "w";
      if (!kept) { el.classList.add("removed"); el.style.setProperty("--kc", kindColour(hit ? hit.kind : "manual")); }
      else if (hit && hit.suggested && !model.editCovering(hit.start, hit.end)) {
        el.classList.add("suggested"); el.style.setProperty("--kc", kindColour(hit.kind));
      } else if (hit && !hit.suggested) el.classList.add("restored");
      if (current && mid >= current.start && mid < current.end) el.classList.add("current");
      if (this.selection && i >= this.selection[0] && i <= this.selection[1]) el.classList.add("selected");
      el.title = hit ? `${hit.kind.replace("_", " ")}: ${hit.reason}` : "";
    });
    for (const { d, el } of this.gaps) {
      const kept = model.keptWithin(d.start, d.end) > 0;
      el.className = `gap ${kept ? "kept" : "removed"}${current && current.start === d.start ? " current" : ""}`;
      el.style.setProperty("--kc", kindColour(d.kind));
    }
    this.drawDecision(current);
    if (current) this.wave.focus(current.start, current.end);
    this.wave.draw({ model, current });
    if (scroll) {
      const target = this.transcript.querySelector(".current");
      if (target) target.scrollIntoView({ block: "nearest" });
    }
  }

  drawDecision(d) {
    const list = this.decisions();
    if (!d) { this.panel.replaceChildren(h("p", { class: "muted" }, "Roughy removed nothing from this recording.")); return; }
    this.panel.style.borderLeftColor = kindColour(d.kind);
    const removed = this.model.keptWithin(d.start, d.end) === 0;
    fill(this.panel,
      h("div", { class: "row spread" },
        h("strong", {}, `${this.index + 1} / ${list.length} · ${d.kind.replace("_", " ")}${d.suggested ? " (suggested)" : ""}`),
        h("span", { class: "small stat" }, `${clock(d.start / 1e6)} – ${clock(d.end / 1e6)} · ${((d.end - d.start) / 1e6).toFixed(2)} s`)),
      h("div", {}, d.reason),
      h("div", { class: "small muted" }, `Confidence ${Math.round(d.confidence * 100)}%`, d.pass ? ` · pass: ${d.pass}` : "",
        " · ", h("span", { id: "decision-status" }, this.model.status(d))),
      d.suggested ? h("div", { class: "row", style: "margin-top:.4rem" },
        h("button", { type: "button", id: "accept-suggestion", onclick: () => this.decideSuggestion(true), "aria-keyshortcuts": "A" },
          "Accept removal ", h("kbd", {}, "A")),
        h("button", { type: "button", id: "reject-suggestion", onclick: () => this.decideSuggestion(false), "aria-keyshortcuts": "R" },
          "Keep it ", h("kbd", {}, "R"))) : null,
      h("div", { class: "small muted" }, removed ? "Plays with this part cut out." : "Plays with this part kept."));
  }

  playCurrent(asCut) {
    const d = this.current();
    if (!d) return;
    const from = Math.max(0, d.start - CONTEXT);
    const to = Math.min(this.model.duration, d.end + CONTEXT);
    const pieces = asCut
      ? this.model.kept().filter(([s, e]) => e > from && s < to).map(([s, e]) => [Math.max(s, from), Math.min(e, to)])
      : [[from, to]];
    this.player.play(from, to, pieces, asCut ? "as cut" : "original").catch((err) => {
      this.showPlayState("error", err.message);
    });
  }

  showPlayState(state, label) {
    const text = { loading: "Loading audio…", playing: `Playing (${label})…`, finished: `Played (${label}).`,
      stopped: "Stopped.", error: label }[state];
    this.playStatus.textContent = text;
    this.playStatus.dataset.state = state;
  }

  showPlayhead(t) {
    this.wave.playhead = t;
    this.wave.draw(this.wave.last);
    for (const el of this.transcript.querySelectorAll(".w.playing")) el.classList.remove("playing");
    if (t === null) return;
    const i = this.words.findIndex((w) => t >= w.start && t < w.end);
    if (i >= 0) this.transcript.querySelector(`[data-i="${i}"]`).classList.add("playing");
  }

  onKey(event) {
    if (event.target.closest("input, select, textarea, dialog")) return;
    if (event.altKey) return;
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && key === "z") { event.preventDefault(); this.undo(); return; }
    if ((event.ctrlKey || event.metaKey) && key === "s") { event.preventDefault(); this.save(); return; }
    if (event.ctrlKey || event.metaKey) return;
    const actions = {
      j: () => this.move(1), arrowdown: () => this.move(1), k: () => this.move(-1), arrowup: () => this.move(-1),
      " ": () => this.playCurrent(!event.shiftKey), o: () => this.playCurrent(false), x: () => this.toggleCurrent(),
      a: () => this.decideSuggestion(true), r: () => this.decideSuggestion(false), t: () => this.toggleSelection(),
      u: () => this.undo(), escape: () => this.player.stop(),
    };
    if (key === " " && event.target.closest("button, a")) return;
    if (actions[key]) { event.preventDefault(); actions[key](); }
  }

  async save() {
    if (!this.dirty()) return this.saved || this.base;
    this.saveButton.disabled = true;
    this.saveState.textContent = "Saving…";
    try {
      const cut = await post("/v1/cuts", { asset_id: this.asset.id, base_cut_id: this.base.id, edits: this.model.toApi() });
      this.saved = cut;
      this.savedSignature = this.model.signature();
      toast("Edited cut saved");
      this.refresh();
      this.renders.setCut(this.saved, false);
      return this.saved;
    } catch (err) {
      this.saveButton.disabled = false;
      this.saveState.textContent = "Not saved";
      toast(err instanceof ApiError ? err.message : String(err), "error");
      throw err;
    }
  }

  async ensureSaved() { return this.dirty() ? this.save() : (this.saved || this.base); }
}
