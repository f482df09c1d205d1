// Small DOM helpers shared by the screens.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace an element's children, skipping the null/false left by conditional parts. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export function mount(...children) {
  return fill(document.getElementById("view"), ...children);
}

export function toast(message, kind = "info") {
  const box = h("div", { class: `toast ${kind === "error" ? "error" : ""}` }, message);
  document.getElementById("toasts").append(box);
  setTimeout(() => box.remove(), kind === "error" ? 8000 : 4000);
}

export function clock(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  const sign = seconds < 0 ? "−" : "";
  const s = Math.abs(seconds);
  const minutes = Math.floor(s / 60);
  const rest = (s - minutes * 60).toFixed(1).padStart(4, "0");
  const hours = Math.floor(minutes / 60);
  if (hours) return `${sign}${hours}:${String(minutes % 60).padStart(2, "0")}:${rest}`;
  return `${sign}${minutes}:${rest}`;
}

export function bytes(n) {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "–";
}

export function badge(state) {
  return h("span", { class: `badge ${state}` }, String(state).replace(/_/g, " "));
}

export function field(labelText, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h("div", {}, h("label", { for: id }, labelText), input,
    hint ? h("div", { class: "muted small" }, hint) : null);
}

export function progressBar(fraction, label) {
  const bar = h("span");
  bar.style.width = `${Math.round(Math.max(0, Math.min(1, fraction || 0)) * 100)}%`;
  return h("div", { class: "progress", role: "progressbar", "aria-label": label,
    "aria-valuemin": "0", "aria-valuemax": "100",
    "aria-valuenow": String(Math.round((fraction || 0) * 100)) }, bar);
}

export function confirmDialog(message, confirmLabel = "Delete") {
  return new Promise((resolve) => {
    const dialog = h("dialog", { "aria-label": "Confirm" },
      h("p", {}, message),
      h("div", { class: "row", style: "justify-content:flex-end" },
        h("button", { type: "button", onclick: () => { dialog.close(); resolve(false); } }, "Cancel"),
        h("button", { type: "button", class: "danger", onclick: () => { dialog.close(); resolve(true); } },
          confirmLabel)));
    dialog.addEventListener("close", () => { dialog.remove(); resolve(false); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export function promptDialog(title, initial, confirmLabel = "Save") {
  return new Promise((resolve) => {
    const input = h("input", { type: "text", value: initial || "", required: true, maxlength: "256" });
    const form = h("form", { method: "dialog", class: "stack" },
      h("h2", {}, title), field("Name", input),
      h("div", { class: "row", style: "justify-content:flex-end" },
        h("button", { type: "button", onclick: () => { dialog.close(); resolve(null); } }, "Cancel"),
        h("button", { type: "submit", class: "primary" }, confirmLabel)));
    const dialog = h("dialog", { "aria-label": title }, form);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = input.value.trim();
      dialog.close();
      resolve(value || null);
    });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(null); });
    document.body.append(dialog);
    dialog.showModal();
    input.select();
  });
}

export function stem(filename, fallback) {
  if (!filename) return fallback;
  const dot = filename.lastIndexOf(".");
  return dot > 0 ? filename.slice(0, dot) : filename;
}
