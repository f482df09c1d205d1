// Sign in and sign up: the session cookie is set by /api/v1/auth/login.
import { post } from "./api.js";
import { field, h, mount } from "./ui.js";

function form(title, submitLabel, onSubmit, footer) {
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true });
  const password = h("input", { type: "password", name: "password", minlength: "8", required: true,
    autocomplete: submitLabel === "Sign in" ? "current-password" : "new-password" });
  const message = h("div", { role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, submitLabel);
  const el = h("form", { class: "panel narrow stack", "aria-labelledby": "auth-title" },
    h("h1", { id: "auth-title" }, title),
    h("p", { class: "muted" }, "Automatic rough cuts for spoken-word recordings."),
    field("Email", email),
    field("Password", password, submitLabel === "Sign in" ? null : "At least 8 characters."),
    message, h("div", { class: "row spread" }, button, footer));
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.replaceChildren();
    try {
      await onSubmit(email.value.trim(), password.value);
    } catch (err) {
      message.replaceChildren(h("div", { class: "notice error" }, err.message));
    } finally {
      button.disabled = false;
    }
  });
  mount(el);
  email.focus();
}

export function showSignIn(done) {
  form("Sign in to Roughy", "Sign in", async (email, password) => {
    await post("/api/v1/auth/login", { email, password });
    done();
  }, h("a", { href: "#/signup" }, "Create an account"));
}

export function showSignUp(done) {
  form("Create your Roughy account", "Sign up", async (email, password) => {
    await post("/api/v1/auth/signup", { email, password });
    await post("/api/v1/auth/login", { email, password });
    done();
  }, h("a", { href: "#/signin" }, "I have an account"));
}
