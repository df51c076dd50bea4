/* Messages with the overlay: exact origins both ways, never '*'. The overlay
   owns the bag; the panel shows it, and sends every change back as
   dots:bag {lines, draft}. Typed text is sent after a short pause. */

var syncTimer = null;

function post(message) {
  if (W.parent !== W) W.parent.postMessage(message, PARENT);
}

/* The bag as the overlay stores it: the lines and the proposal draft. */
function currentBag() {
  return { lines: bagLines(), draft: readDraft() };
}

/* Tell the overlay the bag changed: at once, or (typing) after a pause. */
function sendBag(typing) {
  W.clearTimeout(syncTimer);
  syncTimer = null;
  if (typing) {
    syncTimer = W.setTimeout(sendBag, TYPING_DELAY);
    return;
  }
  var bag = currentBag();
  post({ type: "dots:bag", lines: bag.lines, draft: bag.draft });
}

/* Anything typed but not yet sent goes now (the panel is closing or the
   frame is going away). */
function flushBag() {
  if (syncTimer !== null) sendBag();
}

function closePanel() {
  flushBag();
  post({ type: "dots:close" });
}

function onHostMessage(event) {
  if (event.origin !== PARENT || event.source !== W.parent) return;
  var msg = event.data;
  if (!msg || typeof msg.type !== "string") return;
  if (msg.type === "dots:init" && typeof msg.token === "string" && msg.brand === BRAND) {
    if (msg.token !== state.token) {
      state.token = msg.token;
      load();
    }
  } else if (msg.type === "dots:open") {
    // Its products' variants first (fetched once, 20-api.js).
    if (state.loaded) {
      fetchProducts(handlesOf(msg)).then(function () {
        openView(msg);
      });
    } else state.pendingOpen = msg;
  } else if (msg.type === "dots:bag" && msg.bag && typeof msg.bag === "object") {
    // Another tab changed the bag; an open before loading already carries it.
    if (state.loaded) {
      fetchProducts(handlesOf(msg)).then(function () {
        applyBag(msg.bag);
      });
    }
    else if (state.pendingOpen) state.pendingOpen.bag = msg.bag;
  } else if (msg.type === "dots:diagnostics") {
    onDiagnostics(msg); // kept even before loading: the view may open later
  }
}

/* dots:open {view, bag, handle?}: show the overlay's stored bag and the view. */
function openView(msg) {
  bagNote([]);
  applyBag(msg.bag || {});
  if (msg.view === "limit") showLimit(msg.handle);
  else if (msg.view === "diagnostics" && state.preview) showDiagnostics();
  else show(msg.view === "mine" ? "mine" : "bag");
}

/* Show a stored bag: its exact lines and its draft. */
function applyBag(bag) {
  setBagLines(Array.isArray(bag.lines) ? bag.lines : []);
  applyDraft(bag.draft && typeof bag.draft === "object" ? bag.draft : {});
}
