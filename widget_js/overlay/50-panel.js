/* The request panel: a frame on the widget origin, created on first use, so
   the influencer's address and email never enter the host page's DOM. Shown
   as a modal drawer; the overlay and the frame talk by postMessage with
   exact origins on both sides. */

var modal = null;
var dialog = null;
var frame = null;
var frameReady = false;
var panelOpen = false;
var panelView = "bag";
var opener = null; // the dot or launcher that opened the panel; focus returns there

function ensurePanel() {
  if (modal) return;
  var brandName = (state.session && state.session.brand && state.session.brand.name) || BRAND;
  var src =
    BASE + "/v1/panel?brand=" + encodeURIComponent(BRAND) + "&origin=" + encodeURIComponent(W.location.origin);
  frame = h("iframe", {
    src: src,
    title: "Request products from " + brandName,
    // The panel needs scripts, its own origin (API calls) and forms; never
    // top navigation or popups.
    sandbox: "allow-scripts allow-same-origin allow-forms",
    referrerpolicy: "origin",
  });
  dialog = h(
    "div",
    { class: "dialog", role: "dialog", "aria-modal": "true", "aria-label": "Product request for " + brandName },
    [h("p", { class: "loading", text: "Loading…" }), frame]
  );
  var scrim = h("div", { class: "scrim", onclick: closePanel });
  // The scrim must not scroll the page behind the dialog.
  ["wheel", "touchmove"].forEach(function (type) {
    scrim.addEventListener(
      type,
      function (event) {
        event.preventDefault();
      },
      { passive: false }
    );
  });
  modal = h("div", { class: "modal", hidden: true }, [scrim, dialog]);
  ui.appendChild(modal);
  W.addEventListener("message", onPanelMessage);
  // A frame that never says hello (offline, blocked by the store's CSP):
  // say so rather than spin forever. Escape or the backdrop still close.
  W.setTimeout(
    guard(function () {
      if (!frameReady) dialog.firstChild.textContent = "The request panel could not load. Close it and try again later.";
    }),
    15000
  );
}

function postToPanel(message) {
  if (frame && frame.contentWindow) frame.contentWindow.postMessage(message, BASE);
}

function openPanel(view, from) {
  if (state.stopped) return;
  ensurePanel();
  panelView = view;
  opener = from || launcher;
  if (frameReady) postToPanel({ type: "dots:open", view: view, handles: state.bag.slice() });
  if (!panelOpen) {
    panelOpen = true;
    modal.hidden = false;
    host.classList.add("open");
    D.addEventListener("keydown", onHostKey, true);
    D.addEventListener("focusin", onHostFocus, true);
  }
  frame.focus();
}

function closePanel() {
  if (!panelOpen) return;
  panelOpen = false;
  modal.hidden = true;
  host.classList.remove("open");
  D.removeEventListener("keydown", onHostKey, true);
  D.removeEventListener("focusin", onHostFocus, true);
  var back = opener && opener.isConnected && !opener.hidden ? opener : launcher;
  if (back && back.isConnected) back.focus();
}

/* Escape while focus is still on the host side (the frame sends dots:close
   for its own). */
function onHostKey(event) {
  if (event.key === "Escape" || event.key === "Esc") {
    event.stopPropagation();
    closePanel();
  }
}

/* aria-modal: focus that leaves the dialog for the page goes back in. From
   the page's view, focus inside our shadow root or the frame is on `host`. */
function onHostFocus(event) {
  if (panelOpen && event.target !== host) frame.focus();
}

function onPanelMessage(event) {
  try {
    if (!frame || event.source !== frame.contentWindow || event.origin !== BASE) return;
    var msg = event.data;
    if (!msg || typeof msg.type !== "string") return;
    if (msg.type === "dots:ready") {
      // Also after a reload of the frame: it has lost everything.
      frameReady = true;
      dialog.className = "dialog ready";
      postToPanel({ type: "dots:init", token: CFG.token, brand: BRAND });
      if (panelOpen) postToPanel({ type: "dots:open", view: panelView, handles: state.bag.slice() });
    } else if (msg.type === "dots:bag" && Array.isArray(msg.handles)) {
      state.bag = msg.handles.filter(function (handle) {
        return typeof handle === "string" && state.products[handle];
      });
      saveBag();
      renderAllDots();
      renderLauncher();
    } else if (msg.type === "dots:sent" && msg.request) {
      onRequestSent(msg.request);
    } else if (msg.type === "dots:close") {
      closePanel();
    }
  } catch (err) {
    /* a malformed message is ignored */
  }
}

/* The products of a new request show its status instead of a plain dot. */
function onRequestSent(request) {
  (request.items || []).forEach(function (item) {
    var handle = item && item.product_handle;
    if (!handle) return;
    state.statuses[handle] = request.status || "pending";
    var at = state.bag.indexOf(handle);
    if (at >= 0) state.bag.splice(at, 1);
  });
  saveBag();
  renderAllDots();
  renderLauncher();
}
