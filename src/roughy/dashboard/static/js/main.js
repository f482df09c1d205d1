// The single-page app: hash routes, the signed-in user, the navigation bar.
import { ApiError, get, post } from "./api.js";
import { mount, toast } from "./ui.js";
import { showSignIn, showSignUp } from "./auth.js";
import { showAccount } from "./account.js";
import { showProjects, showProject } from "./projects.js";
import { showReview } from "./review.js";

export const session = { user: null };

const routes = [
  [/^#\/signin$/, () => showSignIn(onSignedIn)],
  [/^#\/signup$/, () => showSignUp(onSignedIn)],
  [/^#\/account$/, () => showAccount(session.user)],
  [/^#\/projects$/, () => showProjects()],
  [/^#\/projects\/([\w-]+)$/, (m) => showProject(m[1])],
  [/^#\/review\/([\w-]+)$/, (m) => showReview(m[1])],
];
let leaveCurrent = null;

export async function refreshCredits() {
  const pill = document.getElementById("credits-pill");
  try {
    const { balance } = await get("/v1/credits/balance");
    pill.textContent = `${balance} credit${balance === 1 ? "" : "s"}`;
  } catch { pill.textContent = ""; }
}

async function loadUser() {
  try {
    session.user = await get("/v1/users/me");
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    session.user = null;
  }
}

function onSignedIn() {
  loadUser().then(() => { location.hash = "#/projects"; route(); });
}

async function route() {
  if (leaveCurrent) { leaveCurrent(); leaveCurrent = null; }
  const hash = location.hash || "#/projects";
  const nav = document.getElementById("nav");
  const open = hash === "#/signin" || hash === "#/signup";
  if (!session.user && !open) { location.replace("#/signin"); return route(); }
  if (session.user && open) { location.replace("#/projects"); return route(); }
  nav.hidden = !session.user;
  for (const link of nav.querySelectorAll("[data-nav]")) {
    const current = hash.startsWith(`#/${link.dataset.nav}`) ||
      (link.dataset.nav === "projects" && hash.startsWith("#/review"));
    if (current) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  if (session.user) refreshCredits();
  for (const [pattern, show] of routes) {
    const match = hash.match(pattern);
    if (match) {
      try {
        leaveCurrent = (await show(match)) || null;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) { session.user = null; return route(); }
        mount(errorView(err));
      }
      document.getElementById("view").focus({ preventScroll: true });
      return;
    }
  }
  location.replace("#/projects");
  return route();
}

function errorView(err) {
  const box = document.createElement("div");
  box.className = "panel notice error";
  box.textContent = err.message || String(err);
  return box;
}

document.getElementById("sign-out").addEventListener("click", async () => {
  try { await post("/api/v1/auth/logout"); } catch (err) { toast(err.message, "error"); }
  session.user = null;
  location.hash = "#/signin";
});

window.addEventListener("hashchange", route);
window.addEventListener("unhandledrejection", (event) => {
  const reason = event.reason;
  if (reason instanceof ApiError && reason.status === 401) { session.user = null; route(); return; }
  toast((reason && reason.message) || String(reason), "error");
});
loadUser().then(route).catch((err) => mount(errorView(err)));
