/* The request panel: a frame on the widget origin, created on first use, so
   the influencer's address and email never enter the host page's DOM. Shown
   as a modal drawer in a <dialog>: showModal() puts it in the top layer
   (above any store z-index) and makes the page and our dots inert, which
   keeps focus inside. The overlay and the frame talk by postMessage with
   exact origins on both sides. */

var modal = null;
var dialog = null;
var frame = null;
var frameReady = false;
var panelOpen = false;
var panelView = "bag";
var panelHandle = null; // the product of the "limit" view
var opener = null; // the dot or launcher that opened the panel; focus returns there
var bagQueue = Promise.resolve(); // the panel's bag changes, applied in the order sent

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
  dialog = h("div", { class: "dialog" }, [h("p", { class: "loading" }, ["Loading…"]), frame]);
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
  modal = h("dialog", { class: "modal", "aria-label": "Product request for " + brandName, oncancel: closePanel }, [
    scrim,
    dialog,
  ]);
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

/* Every message to the panel goes here; the bag it carries has its draft
   cleaned first (the overlay keeps it as it was stored). */
function postToPanel(message) {
  if (message.bag) message.bag.draft = cleanDraft(message.bag.draft);
  if (frame && frame.contentWindow) frame.contentWindow.postMessage(message, BASE);
}

var DRAFT_KEYS = ["content_types", "platforms", "publish_on", "message", "links"];

/* The proposal typed so far: known fields only, strings and short lists of
   bounded strings. */
function cleanDraft(draft) {
  if (!draft || typeof draft !== "object") return null;
  var out = {};
  DRAFT_KEYS.forEach(function (key) {
    var value = draft[key];
    if (typeof value === "string") out[key] = value.slice(0, 2000);
    else if (Array.isArray(value)) {
      out[key] = value
        .filter(function (item) {
          return typeof item === "string";
        })
        .slice(0, 10)
        .map(function (item) {
          return item.slice(0, 2000);
        });
    }
  });
  return out;
}

/* What the panel shows: "bag", "mine", or "limit" (with the product's handle). */
function sendOpen() {
  postToPanel({ type: "dots:open", view: panelView, bag: state.bag, handle: panelHandle });
}

function openPanel(view, from, handle) {
  if (state.stopped) return;
  ensurePanel();
  panelView = view;
  panelHandle = handle || null;
  opener = from || launcher;
  if (frameReady) sendOpen();
  if (!panelOpen) {
    panelOpen = true;
    host.classList.add("open"); // browsers without showModal: the top z-index
    modal.showModal ? modal.showModal() : modal.setAttribute("open", "");
  }
  frame.focus();
}

function closePanel() {
  if (!panelOpen) return;
  panelOpen = false;
  modal.close ? modal.close() : modal.removeAttribute("open");
  host.classList.remove("open");
  var back = opener && opener.isConnected && !opener.hidden ? opener : launcher;
  if (back && back.isConnected) back.focus();
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
      if (panelOpen) sendOpen();
    } else if (msg.type === "dots:bag") {
      // The influencer's own choices: kept as they are, once checked (which
      // needs the variants of a product requested again from "My
      // requests"). In order: a later change never lands before an earlier one.
      var handles = (Array.isArray(msg.lines) ? msg.lines : []).map(function (line) {
        return line && line.handle;
      });
      bagQueue = bagQueue.then(function () {
        return needFull(handles);
      }).then(
        guard(function () {
          if ("lines" in msg) state.bag.lines = cleanLines(msg.lines);
          if ("draft" in msg) state.bag.draft = cleanDraft(msg.draft);
          saveBag();
        })
      );
    } else if (msg.type === "dots:request" && msg.request && typeof msg.request === "object") {
      onRequest(msg.request);
    } else if (msg.type === "dots:close") {
      closePanel();
    }
  } catch (err) {
    /* a malformed message is ignored */
  }
}

/* A request was sent or changed (withdrawn): its products show its status,
   and the ones now pending leave the bag. */
function onRequest(request) {
  var status = typeof request.status === "string" ? request.status.slice(0, 32) : "pending";
  (Array.isArray(request.items) ? request.items : []).forEach(function (item) {
    var handle = item && item.product_handle;
    if (typeof handle === "string" && state.products[handle]) state.statuses[handle] = status;
  });
  state.bag.lines = cleanLines(state.bag.lines);
  saveBag();
}
