// The waveform of the source with the current decision drawn over it.
const COLOURS = {
  filler: "#d97706", silence: "#64748b", false_start: "#ea580c", retake: "#7c3aed",
  retake_cue: "#db2777", off_script: "#0d9488", stutter: "#dc2626", manual: "#334155",
};
export const kindColour = (kind) => COLOURS[kind] || COLOURS.manual;

export class Waveform {
  constructor(canvas, peaks, duration, onPick) {
    this.canvas = canvas;
    this.peaks = peaks;
    this.duration = duration;
    this.view = [0, duration];
    this.playhead = null;
    this.canvas.addEventListener("click", (event) => {
      const box = this.canvas.getBoundingClientRect();
      const fraction = (event.clientX - box.left) / box.width;
      onPick(Math.round(this.view[0] + fraction * (this.view[1] - this.view[0])));
    });
    this.observer = new ResizeObserver(() => this.draw(this.last));
    this.observer.observe(this.canvas);
  }

  focus(start, end) {
    const span = end - start;
    const pad = Math.max(4e6, span * 1.5);
    const width = Math.min(this.duration, Math.max(12e6, span + 2 * pad));
    let from = Math.max(0, (start + end) / 2 - width / 2);
    from = Math.min(from, Math.max(0, this.duration - width));
    this.view = [from, from + width];
  }

  draw(state) {
    this.last = state;
    if (!state) return;
    const { model, current } = state;
    const ratio = window.devicePixelRatio || 1;
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    const g = this.canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const [from, to] = this.view;
    const x = (t) => ((t - from) / (to - from)) * width;
    for (const d of model.decisions()) {
      if (d.end < from || d.start > to) continue;
      const removed = model.keptWithin(d.start, d.end) === 0;
      g.fillStyle = kindColour(d.kind) + (removed ? "33" : "12");
      g.fillRect(x(d.start), 0, Math.max(1, x(d.end) - x(d.start)), height);
    }
    const mid = height / 2;
    const first = Math.floor((from / this.duration) * this.peaks.length);
    const last = Math.ceil((to / this.duration) * this.peaks.length);
    const step = Math.max(1, Math.floor((last - first) / width));
    for (let i = first; i < last; i += step) {
      const t = (i / this.peaks.length) * this.duration;
      let peak = 0;
      for (let j = i; j < Math.min(i + step, this.peaks.length); j++) peak = Math.max(peak, this.peaks[j]);
      g.fillStyle = model.isKept(t) ? "#4f46e5" : "#c4c4cc";
      const barHeight = Math.max(1, peak * (height - 8));
      g.fillRect(x(t), mid - barHeight / 2, Math.max(1, width / (last - first) * step - 0.5), barHeight);
    }
    if (current) {
      g.strokeStyle = "#111827";
      g.lineWidth = 2;
      g.strokeRect(x(current.start), 1, Math.max(2, x(current.end) - x(current.start)), height - 2);
    }
    if (this.playhead !== null) {
      g.fillStyle = "#ef4444";
      g.fillRect(x(this.playhead) - 1, 0, 2, height);
    }
  }

  close() { this.observer.disconnect(); }
}
