// Projects (create, rename, delete) and one project's assets with the uploader.
import { del, get, patch, post, query } from "./api.js";
import { badge, bytes, clock, confirmDialog, h, mount, promptDialog, toast, when } from "./ui.js";
import { Uploader } from "./upload.js";

export async function showProjects() {
  const list = h("div");
  const create = h("button", { type: "button", class: "primary", onclick: async () => {
    const name = await promptDialog("New project", "", "Create");
    if (!name) return;
    const project = await post("/v1/projects", { name });
    location.hash = `#/projects/${project.id}`;
  } }, "New project");
  mount(h("div", { class: "row spread" }, h("div", {}, h("h1", {}, "Projects"),
    h("p", { class: "muted" }, "Upload recordings into a project, review their rough cut, render.")), create),
    h("section", { class: "panel", "aria-label": "Projects" }, list));
  const page = await get(`/v1/projects${query({ limit: 100 })}`);
  if (!page.items.length) {
    list.replaceChildren(h("p", { class: "muted" }, "No projects yet: create one to upload your first recording."));
    return;
  }
  list.replaceChildren(h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Name"),
    h("th", { class: "hide-narrow" }, "Created"), h("th", {}, ""))),
  h("tbody", {}, page.items.map((p) => h("tr", {},
    h("td", {}, h("a", { href: `#/projects/${p.id}` }, p.name)),
    h("td", { class: "hide-narrow muted" }, when(p.created_at)),
    h("td", { class: "actions" }, projectActions(p, showProjects)))))));
}

function projectActions(project, after) {
  return h("span", { class: "row", style: "justify-content:flex-end" },
    h("button", { type: "button", "aria-label": `Rename project ${project.name}`, onclick: async () => {
      const name = await promptDialog("Rename project", project.name);
      if (!name || name === project.name) return;
      await patch(`/v1/projects/${project.id}`, { name });
      toast("Project renamed");
      after(project.id);
    } }, "Rename"),
    h("button", { type: "button", class: "danger", "aria-label": `Delete project ${project.name}`, onclick: async () => {
      const ok = await confirmDialog(
        `Delete “${project.name}” and everything in it (recordings, cuts, renders)? This cannot be undone.`);
      if (!ok) return;
      await del(`/v1/projects/${project.id}`);
      toast("Project deleted");
      location.hash = "#/projects";
    } }, "Delete"));
}

export async function showProject(projectId) {
  const project = await get(`/v1/projects/${projectId}`);
  const table = h("div", { id: "assets" });
  const title = h("h1", {}, project.name);
  let timer = null;
  const refresh = async () => {
    clearTimeout(timer);
    const page = await get(`/v1/assets${query({ project_id: projectId, limit: 100 })}`);
    table.replaceChildren(assetTable(page.items, refresh));
    const busy = page.items.some((a) => a.state === "processing" || a.state === "pending_upload");
    if (busy) timer = setTimeout(() => refresh().catch(() => {}), 2000);
  };
  const uploader = new Uploader(projectId, refresh);
  mount(
    h("nav", { class: "small", "aria-label": "Breadcrumb" }, h("a", { href: "#/projects" }, "Projects"), " / ", project.name),
    h("div", { class: "row spread" }, title, projectActions(project, () => showProject(projectId))),
    h("section", { class: "panel", "aria-labelledby": "upload-title" },
      h("h2", { id: "upload-title" }, "Upload recordings"), uploader.element),
    h("section", { class: "panel", "aria-labelledby": "rec-title" },
      h("h2", { id: "rec-title" }, "Recordings"), table));
  await refresh();
  return () => { clearTimeout(timer); uploader.leave(); };
}

function assetTable(items, refresh) {
  if (!items.length) return h("p", { class: "muted" }, "No recordings yet.");
  return h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Recording"), h("th", {}, "State"),
    h("th", { class: "hide-narrow" }, "Length"), h("th", { class: "hide-narrow" }, "Size"), h("th", {}, ""))),
  h("tbody", {}, items.map((a) => {
    const name = a.filename || `Recording ${a.id.slice(0, 8)}`;
    return h("tr", { dataset: { asset: a.id, state: a.state } },
      h("td", {}, a.state === "ready" ? h("a", { href: `#/review/${a.id}` }, name) : name,
        stateNote(a)),
      h("td", {}, badge(a.state)),
      h("td", { class: "hide-narrow nowrap" }, a.duration_seconds ? clock(Number(a.duration_seconds)) : "–"),
      h("td", { class: "hide-narrow nowrap" }, bytes(a.size_bytes)),
      h("td", { class: "actions" }, h("span", { class: "row", style: "justify-content:flex-end" },
        a.state === "ready" ? h("a", { class: "button primary", href: `#/review/${a.id}`,
          "aria-label": `Review ${name}` }, "Review") : null,
        h("button", { type: "button", class: "danger", "aria-label": `Delete ${name}`, onclick: async () => {
          if (!(await confirmDialog(`Delete “${name}” with its cuts and renders?`))) return;
          await del(`/v1/assets/${a.id}`);
          refresh();
        } }, "Delete"))));
  })));
}

function stateNote(asset) {
  if (asset.state === "pending_payment") {
    return h("div", { class: "notice small", style: "margin-top:.3rem" },
      "Processed, waiting for credits: it becomes ready as soon as your balance covers ",
      `${Math.ceil(Number(asset.duration_seconds || 0) / 60)} credit(s). `, h("a", { href: "#/account" }, "Credits"));
  }
  if (asset.state === "failed") {
    const note = h("div", { class: "notice error small", style: "margin-top:.3rem", role: "alert" },
      "This file could not be processed.");
    get(`/v1/assets/${asset.id}`).then((detail) => {
      if (detail.error_message) note.textContent = `This file could not be processed: ${detail.error_message}`;
    }).catch(() => {});
    return note;
  }
  if (asset.state === "processing") return h("div", { class: "muted small" }, "Preparing…");
  return null;
}
