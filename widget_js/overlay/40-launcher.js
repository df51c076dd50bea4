/* The floating launcher (the bag's count, the way into "My requests"), the
   greeting, and the notice of a link the server refused. */

var launcher = null;
var launcherText = null;
var launcherCount = null;
var greeted = false;
var NONE_HERE = "No products on this page can be requested";

function mountLauncher() {
  launcherText = h("span");
  launcherCount = h("span", { class: "count", "aria-hidden": "true" });
  launcher = h(
    "button",
    {
      type: "button",
      class: "launcher",
      onclick: function () {
        openPanel(state.bag.lines.length ? "bag" : "mine", launcher);
      },
    },
    [h("span", { class: "mark", "aria-hidden": "true" }), launcherText, launcherCount]
  );
  ui.appendChild(launcher);
  renderLauncher();
}

/* "My requests", or, on a page without a catalog product, says so (it still
   opens "My requests"). */
function renderLauncher() {
  if (!launcher) return;
  var n = state.bag.lines.length;
  var none = !tracked.size;
  launcherText.textContent = none ? NONE_HERE : "My requests";
  launcherCount.textContent = String(n);
  launcherCount.hidden = !n;
  launcher.setAttribute(
    "aria-label",
    (none ? NONE_HERE + ". " : "") + "My requests" + (n ? ", " + n + " in your bag" : "")
  );
}

/* A toast of the overlay's own: its text is a status, set after insertion
   so screen readers announce it. */
function toast(text, cls, extra) {
  var status = h("span", { role: "status" });
  var el = h("div", { class: "toast " + cls }, [status, extra]);
  ui.appendChild(el);
  W.setTimeout(
    guard(function () {
      status.textContent = text;
    }),
    100
  );
  return el;
}

/* A short hello, once per visit and only once a dot is on screen, so the
   influencer knows what the dots do. */
function greet() {
  var KEY = "dots:" + BRAND + ":greeted";
  // Drawn from what was kept: the greeting waits for the session (the name).
  if (greeted || state.session.resumed) return;
  greeted = true;
  if (storageGet("sessionStorage", KEY)) return;
  storageSet("sessionStorage", KEY, "1");
  // A preview is the brand itself: no name to greet.
  var who = !state.session.preview && state.session.influencer && state.session.influencer.name;
  var first = who ? String(who).split(" ")[0] + "! " : "";
  var coarse = W.matchMedia("(pointer: coarse)").matches;
  var el = toast((first ? "Hi " + first : "") + (coarse ? "Tap" : "Click") + " a dot on a product to request it.", "");
  W.setTimeout(
    guard(function () {
      el.className = "toast gone";
      W.setTimeout(function () {
        el.remove();
      }, 400);
    }),
    6000
  );
}

/* The server refused the link (revoked, expired, tampered, another brand's):
   forget it, and say so once in the brand's words, in a notice that stays
   until closed. Nothing else of the overlay starts. */
function refuse(res) {
  // Dots drawn from what the last view kept (99-main.js, resume) go too.
  if (host) stopOverlay();
  state.stopped = true;
  [CFG.key, BAG_KEY, KEPT_KEY].forEach(function (key) {
    storageSet("localStorage", key, null);
  });
  CFG.token = null;
  var message = res.data && res.data.message;
  if (typeof message !== "string" || !message) return;
  mountHost();
  // The notice is the deferred file's (a refusal is rare; every view pays
  // for what this file holds).
  withDeferred(function (x) {
    x.notice(message.slice(0, 300), host, stopOverlay);
  });
}
