// Account: profile, credits and ledger, billing, API keys, webhook endpoints and deliveries.
import { ApiError, del, get, post, query } from "./api.js";
import { badge, confirmDialog, field, fill, h, mount, toast, when } from "./ui.js";

const EVENT_TYPES = ["asset.ready", "asset.pending_payment", "asset.failed", "cut.completed",
  "cut.failed", "render.completed", "render.failed", "render.cancelled"];

export async function showAccount(user) {
  const credits = h("section", { class: "panel", "aria-labelledby": "credits-title" });
  // Billing is its own section so buying credits and managing billing slot in here.
  const billing = h("section", { class: "panel billing", id: "billing", "aria-labelledby": "billing-title" },
    h("h2", { id: "billing-title" }, "Billing"),
    h("div", { id: "billing-return", "aria-live": "polite" }),
    h("div", { id: "billing-actions", class: "row" }),
    h("p", { class: "muted small", id: "billing-note" },
      "1 credit pays for 1 started minute of uploaded media; cuts, edits, renders and exports are free. ",
      "An operator can add credits with ", h("code", {}, "roughy credits grant EMAIL AMOUNT"), "."));
  const keys = h("section", { class: "panel", "aria-labelledby": "keys-title" });
  const hooks = h("section", { class: "panel", "aria-labelledby": "hooks-title" });
  mount(
    h("div", { class: "row spread" },
      h("div", {}, h("h1", {}, "Account"), h("p", { class: "muted" }, user.email))),
    credits, billing, keys, hooks);
  await Promise.all([renderCredits(credits, 0), renderBilling(billing), renderKeys(keys),
    renderHooks(hooks)]);
}

// Stripe sends the browser back to /?checkout=success|cancelled#/account.
function checkoutReturn() {
  const params = new URLSearchParams(location.search);
  const outcome = params.get("checkout");
  if (!outcome) return null;
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
  return outcome === "success"
    ? h("div", { class: "notice info" },
      "Payment received. Your credits appear in the ledger as soon as Stripe confirms it.")
    : h("div", { class: "notice" }, "Checkout cancelled: nothing was charged.");
}

async function goTo(path, body) {
  const { url } = await post(path, body);
  location.assign(url);
}

function priceLabel(price) {
  return price.kind === "plan"
    ? `Subscribe: ${price.credits} credits a month`
    : `Buy ${price.credits} credits`;
}

async function renderBilling(box) {
  const notice = checkoutReturn();
  if (notice) box.querySelector("#billing-return").replaceChildren(notice);
  const actions = box.querySelector("#billing-actions");
  let prices;
  try {
    prices = (await get("/v1/billing/prices")).items;
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "billing_disabled") throw err;
    actions.replaceChildren(h("p", { class: "muted small" },
      "Buying credits online is not set up on this server."));
    return;
  }
  const buy = prices.map((price) => {
    const button = h("button", { type: "button", class: price.kind === "pack" ? "primary" : "",
      dataset: { price: price.price_id } }, priceLabel(price));
    button.addEventListener("click", () => {
      button.disabled = true;
      goTo("/v1/billing/checkout", { price_id: price.price_id })
        .catch((err) => { button.disabled = false; toast(err.message, "error"); });
    });
    return button;
  });
  const manage = h("button", { type: "button", onclick: () => goTo("/v1/billing/portal")
    .catch((err) => toast(err.message, "error")) }, "Manage billing");
  actions.replaceChildren(...buy, manage);
}

const SOURCES = {
  operator: "Granted by the operator",
  asset: "Asset upload",
  pipeline: "Pipeline",
  stripe_checkout: "Stripe checkout",
  stripe_invoice: "Stripe subscription",
  stripe_refund: "Stripe refund",
};

function sourceCell(entry) {
  const label = SOURCES[entry.source] || entry.source || "";
  const reference = entry.reference || "";
  return h("td", { class: "source" }, label,
    reference ? h("span", { class: "mono muted small", title: reference }, ` ${reference.slice(0, 14)}`) : null);
}

async function renderCredits(box, offset) {
  const [{ balance }, page] = await Promise.all([
    get("/v1/credits/balance"), get(`/v1/credits/history${query({ limit: 10, offset })}`)]);
  const rows = page.items.map((e) => h("tr", {},
    h("td", {}, when(e.created_at)),
    h("td", {}, e.type.replace(/_/g, " ")),
    h("td", { class: "stat" }, e.delta > 0 ? `+${e.delta}` : String(e.delta)),
    sourceCell(e)));
  const pager = h("div", { class: "row" },
    h("button", { type: "button", disabled: offset === 0,
      onclick: () => renderCredits(box, Math.max(0, offset - 10)) }, "Newer"),
    h("span", { class: "muted small" }, `${page.total ? offset + 1 : 0}–${offset + page.items.length} of ${page.total}`),
    h("button", { type: "button", disabled: offset + 10 >= page.total,
      onclick: () => renderCredits(box, offset + 10) }, "Older"));
  fill(box,
    h("h2", { id: "credits-title" }, "Credits"),
    h("p", { class: "stat" }, h("strong", { id: "balance" }, String(balance)), " credits available"),
    h("h3", {}, "Ledger"),
    page.items.length
      ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "Entry"),
          h("th", {}, "Credits"), h("th", {}, "Source"))), h("tbody", {}, rows))
      : h("p", { class: "muted" }, "No ledger entries yet."),
    page.total > 10 ? pager : null);
}

async function renderKeys(box) {
  const { items } = await get("/api/v1/api-keys");
  const live = items.filter((k) => !k.revoked_at);
  const name = h("input", { type: "text", required: true, maxlength: "100", placeholder: "laptop" });
  const created = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "row" }, h("div", { style: "flex:1;min-width:180px" }, field("New key name", name)),
    h("button", { type: "submit", class: "primary", style: "align-self:flex-end" }, "Create key"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = await post("/api/v1/api-keys", { name: name.value.trim() });
    await renderKeys(box);
    box.querySelector("[data-created]").replaceChildren(
      h("div", { class: "notice info stack" },
        h("div", {}, h("strong", {}, "Copy this key now: "), "it is shown only once."),
        h("div", { class: "secret" }, h("code", { class: "mono", id: "new-key" }, key.plaintext),
          h("button", { type: "button", onclick: () => navigator.clipboard.writeText(key.plaintext)
            .then(() => toast("Key copied")) }, "Copy"))));
  });
  created.dataset.created = "";
  fill(box,
    h("h2", { id: "keys-title" }, "API keys"),
    h("p", { class: "muted small" }, "Keys give full access to your account from scripts and the API (",
      h("code", {}, "Authorization: Bearer …"), ")."),
    form, created,
    live.length ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Key"),
      h("th", { class: "hide-narrow" }, "Last used"), h("th", {}, ""))),
      h("tbody", {}, live.map((k) => h("tr", {},
        h("td", {}, k.name), h("td", { class: "mono" }, `${k.prefix}…`),
        h("td", { class: "hide-narrow" }, when(k.last_used_at)),
        h("td", { class: "actions" }, h("button", { type: "button", class: "danger",
          "aria-label": `Revoke key ${k.name}`,
          onclick: async () => {
            if (!(await confirmDialog(`Revoke the key “${k.name}”? Programs using it stop working.`, "Revoke"))) return;
            await del(`/api/v1/api-keys/${k.id}`);
            toast("Key revoked");
            renderKeys(box);
          } }, "Revoke"))))))
      : h("p", { class: "muted" }, "No API keys yet."));
}

async function renderHooks(box) {
  const page = await get("/v1/webhook-endpoints?limit=100");
  const url = h("input", { type: "url", required: true, placeholder: "https://example.com/roughy" });
  const description = h("input", { type: "text", maxlength: "200" });
  const checks = EVENT_TYPES.map((type) => h("label", { class: "small", style: "font-weight:400" },
    h("input", { type: "checkbox", value: type, checked: true }), " ", type));
  const form = h("form", { class: "stack" },
    h("div", { class: "grid2" }, field("Endpoint URL (HTTPS)", url), field("Description", description)),
    h("fieldset", { style: "border:none;padding:0;margin:0" }, h("legend", { class: "small", style: "font-weight:600" }, "Events"),
      h("div", { class: "row" }, checks)),
    h("button", { type: "submit", class: "primary" }, "Add endpoint"));
  const secret = h("div");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const types = checks.map((c) => c.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    const made = await post("/v1/webhook-endpoints", {
      url: url.value.trim(), event_types: types, description: description.value.trim() || null });
    await renderHooks(box);
    box.querySelector("[data-secret]").replaceChildren(h("div", { class: "notice info" },
      "Signing secret (shown once): ", h("code", { class: "mono" }, made.secret)));
  });
  secret.dataset.secret = "";
  fill(box,
    h("h2", { id: "hooks-title" }, "Webhooks"),
    h("p", { class: "muted small" }, "Roughy posts signed events (Svix format) when assets, cuts and renders finish."),
    form, secret,
    page.items.length ? h("div", { class: "stack" }, page.items.map((ep) => endpointView(box, ep)))
      : h("p", { class: "muted" }, "No endpoints yet."));
}

function endpointView(box, ep) {
  const deliveries = h("div");
  const toggle = h("button", { type: "button", "aria-expanded": "false", onclick: async () => {
    const open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", String(!open));
    if (open) { deliveries.replaceChildren(); return; }
    const page = await get(`/v1/webhook-endpoints/${ep.id}/deliveries?limit=20`);
    deliveries.replaceChildren(page.items.length ? h("table", {}, h("thead", {}, h("tr", {},
      h("th", {}, "Event"), h("th", {}, "State"), h("th", {}, "Attempts"), h("th", { class: "hide-narrow" }, "Last"))),
      h("tbody", {}, page.items.map((d) => h("tr", {}, h("td", {}, d.event_type), h("td", {}, badge(d.state)),
        h("td", {}, `${d.attempts}${d.last_status_code ? ` (HTTP ${d.last_status_code})` : ""}`),
        h("td", { class: "hide-narrow" }, d.last_error || when(d.last_attempt_at))))))
      : h("p", { class: "muted small" }, "No deliveries yet."));
  } }, "Deliveries");
  return h("div", { class: "upload" },
    h("div", { class: "row spread" },
      h("div", {}, h("div", { class: "mono" }, ep.url),
        h("div", { class: "muted small" }, ep.description || "", ep.enabled ? "" : ` Disabled: ${ep.disabled_reason || ""}`,
          ` · ${ep.event_types.join(", ")}`)),
      h("div", { class: "row" }, toggle,
        h("button", { type: "button", class: "danger", "aria-label": `Delete endpoint ${ep.url}`, onclick: async () => {
          if (!(await confirmDialog(`Delete the endpoint ${ep.url}?`))) return;
          await del(`/v1/webhook-endpoints/${ep.id}`);
          renderHooks(box);
        } }, "Delete"))),
    deliveries);
}
