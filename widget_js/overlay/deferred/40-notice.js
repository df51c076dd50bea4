/* The notice of a link the server refused (40-launcher.js, refuse): the
   brand's words, until closed. Its rules go into the shadow root it shows
   in, which is a new one: the refusal took the dots' host away. */
function showNotice(message, root, stop) {
  X.applyStyles(
    root.shadowRoot,
    ".notice{bottom:calc(16px + env(safe-area-inset-bottom,0px));display:flex;align-items:center;gap:12px;" +
      "pointer-events:auto}" +
      ".close{flex:none;padding:8px 12px;border-radius:8px;background:#f3f4f6;font-weight:600}" +
      ".close:focus-visible{box-shadow:0 0 0 2px #fff,0 0 0 5px #1d4ed8}"
  );
  toast(message, "notice", h("button", { type: "button", class: "close", onclick: stop }, ["Dismiss"]));
}
