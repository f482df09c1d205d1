// Render and download the reviewed cut: format and tier, live progress, cancel; the editor
// exports and captions. Every download is named after the uploaded file.
import { get, post } from "./api.js";
import { bytes, clock, field, h, progressBar, toast } from "./ui.js";

const FORMATS = [["mp4", "MP4 video"], ["mov", "MOV video"], ["m4a", "M4A audio"], ["mp3", "MP3 audio"]];
const TIERS = [["", "Source resolution"], ["720p", "720p"], ["1080p", "1080p"], ["4k", "4K"]];
const EXPORTS = [["fcpxml", "Final Cut Pro (FCPXML)"], ["xmeml", "Premiere / Resolve XML"], ["edl", "EDL"],
  ["otio", "OpenTimelineIO"], ["json", "Cut JSON"]];

export class RenderPanel {
  constructor(asset, name, ensureSaved) {
    this.asset = asset;
    this.name = name;
    this.ensureSaved = ensureSaved;
    this.timer = null;
    const audioOnly = asset.type === "audio";
    this.format = h("select", { id: "render-format" },
      FORMATS.filter(([f]) => !audioOnly || f === "m4a" || f === "mp3").map(([v, l]) => h("option", { value: v }, l)));
    this.tier = h("select", { id: "render-tier" }, TIERS.map(([v, l]) => h("option", { value: v }, l)));
    const syncTier = () => { this.tier.disabled = !["mp4", "mov"].includes(this.format.value); };
    this.format.addEventListener("change", syncTier);
    syncTier();
    this.button = h("button", { type: "button", class: "primary", id: "render", onclick: () => this.start() }, "Render");
    this.status = h("div", { id: "render-status", "aria-live": "polite" });
    this.exports = h("div", { class: "exports", id: "exports" });
    this.note = h("p", { class: "small muted" });
    this.element = h("section", { class: "panel stack", "aria-labelledby": "render-title" },
      h("h2", { id: "render-title" }, "Render and export"),
      h("div", { class: "grid2" }, field("Format", this.format), field("Quality", this.tier, "Never upscaled; video only.")),
      h("div", { class: "row" }, this.button), this.status,
      h("h3", {}, "Editor timelines and captions"), this.note, this.exports);
  }

  setCut(cut, dirty) {
    this.cut = cut;
    this.note.textContent = dirty
      ? "You have unsaved changes: these files follow the last saved cut. Rendering saves first."
      : cut.base_cut_id ? "These files follow your edited cut." : "These files follow Roughy's cut as it is.";
    const link = (href, label) => h("a", { class: "button", href, download: "" }, label);
    this.exports.replaceChildren(
      ...EXPORTS.map(([f, label]) => link(`/v1/cuts/${cut.id}/export?format=${f}`, label)),
      link(`/v1/cuts/${cut.id}/subtitle/export?format=srt`, "Captions (SRT)"),
      link(`/v1/cuts/${cut.id}/subtitle/export?format=vtt`, "Captions (VTT)"));
  }

  async start() {
    this.button.disabled = true;
    try {
      const cut = await this.ensureSaved();
      const output = { format: this.format.value };
      if (!this.tier.disabled && this.tier.value) output.resolution = this.tier.value;
      const render = await post("/v1/renders", { asset_id: this.asset.id, cut_id: cut.id, output });
      this.follow(render.id);
    } catch (err) {
      toast(err.message, "error");
      this.button.disabled = false;
    }
  }

  async follow(renderId) {
    clearTimeout(this.timer);
    const render = await get(`/v1/renders/${renderId}`);
    this.draw(render);
    if (render.state === "pending" || render.state === "processing") {
      this.timer = setTimeout(() => this.follow(renderId).catch((err) => toast(err.message, "error")), 1000);
    } else {
      this.button.disabled = false;
    }
  }

  draw(render) {
    const fraction = render.progress || 0;
    const parts = [];
    if (render.state === "pending" || render.state === "processing") {
      parts.push(h("div", { class: "row" }, progressBar(fraction, "Render progress"),
        h("span", { class: "small stat" }, render.state === "pending" ? "Queued" : `${Math.round(fraction * 100)}%`),
        h("button", { type: "button", class: "danger", id: "cancel-render", onclick: async () => {
          this.draw(await post(`/v1/renders/${render.id}/cancel`));
          this.button.disabled = false;
        } }, "Cancel")));
    } else if (render.state === "completed") {
      parts.push(h("div", { class: "notice info row spread" },
        h("span", {}, `Rendered ${render.output.format.toUpperCase()}: ${clock(Number(render.duration_seconds))}, ${bytes(render.size_bytes)}`),
        h("a", { class: "button primary", id: "download-render", href: render.download_url, download: "" }, "Download")));
    } else {
      parts.push(h("div", { class: "notice error", role: "alert" },
        render.state === "cancelled" ? "Render cancelled." : `Render failed: ${render.error_message || render.error_code}`));
    }
    this.status.dataset.state = render.state;
    this.status.dataset.render = render.id;
    this.status.replaceChildren(...parts);
  }

  leave() { clearTimeout(this.timer); }
}
