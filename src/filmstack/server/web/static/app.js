// filmstack's web page: hash routes (#/materials, #/materials/12, #/materials/12/edit,
// #/materials/12/history, #/new, #/trash)
// over the JSON API. One page is served at /, so every route works offline and reloads cleanly.

import { getKey, onUnauthorized } from "./api.js";
import { h } from "./dom.js";
import { createView } from "./create.js";
import { editView } from "./edit.js";
import { historyView } from "./history.js";
import { listView } from "./list.js";
import { materialView } from "./material.js";
import { signInView, signOut } from "./signin.js";
import { trashView } from "./trash.js";
import { announce } from "./views.js";

const main = document.getElementById("main");
const signOutButton = document.getElementById("sign-out");
const nav = document.getElementById("nav");
let rendering = 0;
let firstView = true; // on page load the focus stays at the top, where the skip link is
let pendingMessage = null; // said after the next view is drawn
let signInMessage = null; // shown on the sign-in form until someone signs in

function parseHash() {
  const raw = window.location.hash;
  const hash = raw.startsWith("#/") ? raw : "#/materials";
  const [path, search] = hash.slice(1).split("?");
  return { parts: path.split("/").filter(Boolean), query: new URLSearchParams(search || "") };
}

/** Go to a route, then say `message` (e.g. "Deleted …") in the live region. */
function navigate(hash, message) {
  pendingMessage = message || null;
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

function showSignedIn(signedIn) {
  signOutButton.hidden = !signedIn;
  nav.hidden = !signedIn;
}

function focusHeading(target) {
  const el = target || main.querySelector("h1");
  if (el) el.focus({ preventScroll: false });
}

async function route() {
  rendering += 1;
  const mine = rendering;
  const hash = window.location.hash;
  const { parts, query } = parseHash();
  if (!getKey()) {
    showSignedIn(false);
    const onSignedIn = () => {
      signInMessage = null;
      navigate(hash.startsWith("#/") && hash !== "#/" ? hash : "#/materials", "Signed in.");
    };
    const view = signInView(main, { message: signInMessage, onSignedIn });
    document.title = "Sign in · filmstack";
    view.focus.focus();
    firstView = false;
    return;
  }
  showSignedIn(true);
  main.setAttribute("aria-busy", "true");
  let view = {};
  try {
    if (parts[0] === "materials" && parts.length === 1) {
      document.title = "Target materials · filmstack";
      view = await listView(main, { query });
    } else if (parts[0] === "materials" && /^\d+$/.test(parts[1] || "") && parts.length === 2) {
      view = await materialView(main, { id: parts[1], navigate });
      document.title = `${main.querySelector("h1")?.textContent || "Material"} · filmstack`;
    } else if (
      parts[0] === "materials" &&
      /^\d+$/.test(parts[1] || "") &&
      parts[2] === "edit" &&
      parts.length === 3
    ) {
      view = await editView(main, { id: parts[1], navigate });
      document.title = `${main.querySelector("h1")?.textContent || "Edit"} · filmstack`;
    } else if (
      parts[0] === "materials" &&
      /^\d+$/.test(parts[1] || "") &&
      parts[2] === "history" &&
      parts.length === 3
    ) {
      view = await historyView(main, { id: parts[1], navigate });
      document.title = `${main.querySelector("h1")?.textContent || "History"} · filmstack`;
    } else if (parts[0] === "trash" && parts.length === 1) {
      document.title = "Trash · filmstack";
      view = await trashView(main, { navigate });
    } else if (parts[0] === "new" && parts.length === 1) {
      document.title = "New target material · filmstack";
      view = createView(main, { navigate, query });
    } else if (parts.length === 0) {
      window.location.replace("#/materials");
      return;
    } else {
      main.replaceChildren(
        h("h1", { tabindex: "-1" }, "No such page"),
        h("p", {}, h("a", { href: "#/materials" }, "Go to the list of target materials")),
      );
    }
  } catch (err) {
    if (mine !== rendering) return;
    main.replaceChildren(
      h("h1", { tabindex: "-1" }, "Something went wrong"),
      h("p", { role: "alert" }, err.message || String(err)),
    );
  } finally {
    if (mine === rendering) main.setAttribute("aria-busy", "false");
  }
  if (mine !== rendering || !getKey()) return;
  if (!firstView) focusHeading(view.focus);
  firstView = false;
  if (pendingMessage) {
    announce(pendingMessage);
    flash(pendingMessage);
    pendingMessage = null;
  }
}

/** A visible note at the top of the view for a finished action ("Changes saved."). */
function flash(message) {
  const note = h("p", { class: "flash" }, message);
  main.prepend(note);
}

signOutButton.addEventListener("click", () => {
  signOut();
  pendingMessage = null;
  signInMessage = "You are signed out: this tab has forgotten the key.";
  route();
  announce(signInMessage);
});

onUnauthorized(() => {
  signOut();
  signInMessage = "Your API key is no longer accepted (was it revoked?). Sign in again.";
  route();
});

// The skip link moves the focus without touching the hash, which holds the route.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener("hashchange", () => route());
route();
