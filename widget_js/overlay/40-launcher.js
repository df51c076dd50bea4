/* The floating launcher: the bag's count, and the way into "My requests". */

var launcher = null;
var launcherCount = null;

function mountLauncher() {
  launcherCount = h("span", { class: "count", "aria-hidden": "true" });
  launcher = h(
    "button",
    {
      type: "button",
      class: "launcher",
      onclick: function () {
        openPanel(state.bag.length ? "bag" : "mine", launcher);
      },
    },
    [h("span", { class: "mark", "aria-hidden": "true" }), h("span", { text: "My requests" }), launcherCount]
  );
  ui.appendChild(launcher);
  renderLauncher();
}

function renderLauncher() {
  if (!launcher) return;
  var n = state.bag.length;
  launcherCount.textContent = String(n);
  launcherCount.hidden = !n;
  launcher.setAttribute("aria-label", n ? "My requests, " + n + " in your bag" : "My requests");
}

/* A short hello, once per visit, so the influencer knows what the dots do. */
function greet() {
  var KEY = "dots:" + BRAND + ":greeted";
  if (storageGet("sessionStorage", KEY)) return;
  storageSet("sessionStorage", KEY, "1");
  var who = state.session && state.session.influencer && state.session.influencer.name;
  var first = who ? String(who).split(" ")[0] : "";
  var toast = h("div", { class: "toast", role: "status" });
  ui.appendChild(toast);
  // Filled after insertion so screen readers announce it.
  W.setTimeout(
    guard(function () {
      toast.textContent = (first ? "Hi " + first + "! " : "") + "Tap a dot on a product to request it.";
    }),
    100
  );
  W.setTimeout(
    guard(function () {
      toast.className = "toast gone";
      W.setTimeout(function () {
        toast.remove();
      }, 400);
    }),
    6000
  );
}

function loadBag() {
  var saved = [];
  try {
    saved = JSON.parse(storageGet("sessionStorage", BAG_KEY) || "[]");
  } catch (err) {
    /* a damaged bag is an empty bag */
  }
  state.bag = (Array.isArray(saved) ? saved : []).filter(function (handle) {
    return state.products[handle] && !isOpenStatus(state.statuses[handle]);
  });
}

/* The bag survives page loads within the tab (a classic store reloads on
   every click), but not the tab itself. */
function saveBag() {
  storageSet("sessionStorage", BAG_KEY, state.bag.length ? JSON.stringify(state.bag) : null);
}
