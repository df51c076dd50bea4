/* Wiring: build the form once the data is in, listen, and say hello. */

function setup() {
  $("panel-title").textContent = state.brandName;
  var maxItems = state.policy.max_items;
  $("bag-limit").textContent = maxItems ? "Up to " + plural(maxItems, "item", "items") : "";
  $("max-value").textContent = state.policy.max_value_minor
    ? "Limit " + money(state.policy.max_value_minor) + " per request"
    : "";
  $("bag-empty").textContent =
    "Your request is empty. Close this panel and " + pointerWord().toLowerCase() + " a dot on a product to add it.";
  setupAccounts();
  setupProposal();
  setupAddress();
  lines = [];
  renderBag();
  renderMine();
}

/* The standalone page: the link's token arrives in the fragment (#dots=…),
   which browsers never send to a server. Keep it for this tab (a reload
   still works), take it out of the address bar and history at once, then
   show My requests. */
function startPage() {
  var key = "dots:me:" + BRAND;
  var match = /(?:^#|&)dots=([^&]+)/.exec(W.location.hash);
  if (match) {
    writeStored(key, decodeURIComponent(match[1]));
    W.history.replaceState(null, "", W.location.pathname + W.location.search);
  }
  state.token = readStored(key);
  if (!state.token) {
    notice("Open this page from the link in one of " + BRAND + "'s emails to see your requests.");
    return;
  }
  state.pendingOpen = { view: "mine", bag: {} };
  load();
}

/* Every edit of the form: re-check the field if it was flagged, keep the
   address in this frame, and send the proposal to the overlay. */
function onFormEdit(event) {
  var target = event.target;
  var holder = target.closest("[data-path]");
  if (holder) recheck(holder.getAttribute("data-path"));
  if (!state.loaded || $("account-form").contains(target) || $("bag-list").contains(target)) return;
  if (target.closest("#address")) return addressEdited(target);
  if (target === $("message")) countMessage();
  var typed = target.type !== "checkbox";
  if (event.type === "input" && !typed) return; // its change event follows
  if (event.type === "change" && typed) return flushBag(); // leaving a field: no need to wait
  sendBag(event.type === "input");
}

W.addEventListener("message", onHostMessage);
W.addEventListener("pagehide", flushBag);
D.addEventListener("keydown", onKey);
$("view-bag").addEventListener("submit", submit);
$("view-bag").addEventListener("input", onFormEdit);
$("view-bag").addEventListener("change", onFormEdit);
$("account-form").addEventListener("keydown", onAccountKey);
$("account-open").addEventListener("click", openAccountForm);
$("account-add").addEventListener("click", addAccount);
$("account-cancel").addEventListener("click", function () {
  closeAccountForm($("account-open"));
});
$("tab-bag").addEventListener("click", function () {
  if (state.loaded) show("bag", true);
});
$("tab-mine").addEventListener("click", function () {
  if (state.loaded) show("mine", true);
});
$("close").addEventListener("click", closePanel);
$("sent-close").addEventListener("click", function () {
  show("bag", true);
  closePanel();
});
$("sent-mine").addEventListener("click", function () {
  show("mine");
});
$("limit-close").addEventListener("click", closePanel);
$("limit-bag").addEventListener("click", function () {
  show("bag");
});
$("limit-image").addEventListener("load", function () {
  this.hidden = false;
});
$("add-link").addEventListener("click", function () {
  var input = addLink();
  if (input) input.focus();
});

if (PAGE) startPage();
else post({ type: "dots:ready" });
