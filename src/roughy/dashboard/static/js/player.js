// Plays a stretch of the source as the cut will sound: the kept pieces back to back, each join
// with a short fade (as the render does), from a WAV excerpt served by /v1/assets/{id}/audio.
import { secs } from "./edits.js";

const FADE = 0.006;

export class Player {
  constructor(assetId, onTime, onState) {
    this.assetId = assetId;
    this.onTime = onTime;
    this.onState = onState;
    this.context = null;
    this.sources = [];
    this.timeline = [];
    this.frame = 0;
    this.token = 0;
  }

  async play(windowStart, windowEnd, pieces, label) {
    this.stop();
    const token = ++this.token;
    this.onState("loading", label);
    this.context = this.context || new AudioContext();
    if (this.context.state === "suspended") await this.context.resume();
    const url = `/v1/assets/${this.assetId}/audio?start=${secs(windowStart)}&end=${secs(windowEnd)}`;
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`The audio could not be loaded (HTTP ${response.status}).`);
    const buffer = await this.context.decodeAudioData(await response.arrayBuffer());
    if (token !== this.token) return;
    let when = this.context.currentTime + 0.05;
    this.timeline = [];
    for (const [s, e] of pieces) {
      const offset = (s - windowStart) / 1e6;
      const length = Math.min((e - s) / 1e6, buffer.duration - offset);
      if (length <= 0) continue;
      const source = this.context.createBufferSource();
      source.buffer = buffer;
      const gain = this.context.createGain();
      gain.gain.setValueAtTime(0, when);
      gain.gain.linearRampToValueAtTime(1, when + Math.min(FADE, length / 2));
      gain.gain.setValueAtTime(1, when + length - Math.min(FADE, length / 2));
      gain.gain.linearRampToValueAtTime(0, when + length);
      source.connect(gain).connect(this.context.destination);
      source.start(when, offset, length);
      this.sources.push(source);
      this.timeline.push({ when, length, start: s });
      when += length;
    }
    if (!this.sources.length) { this.onState("finished", label); return; }
    this.sources[this.sources.length - 1].addEventListener("ended", () => {
      if (token === this.token) { this.halt(); this.onState("finished", label); }
    });
    this.onState("playing", label);
    const tick = () => {
      if (token !== this.token) return;
      const now = this.context.currentTime;
      const piece = this.timeline.find((p) => now >= p.when && now < p.when + p.length);
      if (piece) this.onTime(piece.start + Math.round((now - piece.when) * 1e6));
      this.frame = requestAnimationFrame(tick);
    };
    tick();
  }

  halt() {
    cancelAnimationFrame(this.frame);
    for (const source of this.sources) { try { source.stop(); } catch { /* already ended */ } }
    this.sources = [];
    this.onTime(null);
  }

  stop() {
    const wasPlaying = this.sources.length > 0;
    this.token += 1;
    this.halt();
    if (wasPlaying) this.onState("stopped", "");
  }
}
