// The sign-in form: the pasted key is checked with one read, then kept in sessionStorage.

import { api, forgetKey, setKey } from "./api.js";
import { field, h, setError } from "./dom.js";
import { heading } from "./views.js";

export function signInView(main, { message, onSignedIn }) {
  const keyField = field({
    label: "API key",
    hint: "Kept in this browser tab only, and forgotten when you sign out or close the tab.",
    control: h("input", {
      type: "password",
      name: "api-key",
      autocomplete: "off",
      spellcheck: "false",
      required: true,
    }),
  });
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "card narrow", novalidate: true }, keyField.wrap, button);
  main.replaceChildren(
    heading("Sign in to filmstack"),
    h(
      "p",
      {},
      "Paste an API key from your lab's filmstack administrator (",
      h("code", {}, "filmstack keys create"),
      ").",
    ),
    // replaceChildren would write a null as the text "null": leave the notice out instead.
    ...(message ? [h("p", { class: "notice" }, message)] : []),
    form,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = keyField.control.value.trim();
    if (!key) {
      setError(keyField, "Paste your API key first.");
      keyField.control.focus();
      return;
    }
    button.disabled = true;
    setError(keyField, "");
    try {
      await api.check(key);
      setKey(key);
      onSignedIn();
    } catch (err) {
      let text = err.message;
      if (err.status === 401)
        text = "That API key was not accepted: it is unknown or has been revoked.";
      else if (err.status === 403)
        text = "That API key may not read target materials (it lacks the read scope).";
      setError(keyField, text);
      keyField.control.focus();
    } finally {
      button.disabled = false;
    }
  });
  return { focus: keyField.control };
}

export function signOut() {
  forgetKey();
}
