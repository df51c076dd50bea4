/* What only a click or a preview needs (the dialog and its frame, the variant
   the page shows, the install check, a refused link's notice) is a second
   file, deferred/, fetched
   from next to the overlay (the widget server or a CDN) on the first
   intent: a pointer over or focus on a dot or the launcher, a click, or a
   preview session. Every page view pays
   only for the dots. The deferred file reads the names it shares with this
   one from CFG.x (docs/widget-protocol.md, "The overlay's two files"). */

var later = null; // the deferred file's exports, once loaded (a Promise)
var cspSeen = []; // CSP violations since the start: the install check lists them

/* Listening from the start: by the time the session says "preview", the page
   may already have blocked a request of ours. Influencers' pages stop here. */
var onViolation = function (event) {
  if (state.session && !state.session.preview) return D.removeEventListener("securitypolicyviolation", onViolation);
  if (cspSeen.length < 50) cspSeen.push(event);
};
D.addEventListener("securitypolicyviolation", onViolation);

function deferred() {
  if (!later) {
    later = new Promise(function (resolve, reject) {
      var x = (CFG.x = {
        state: state,
        h: h,
        guard: guard,
        ui: ui,
        host: host,
        launcher: launcher,
        needFull: needFull,
        cleanLines: cleanLines,
        saveBag: saveBag,
        toast: toast,
        urlKey: urlKey,
        applyStyles: applyStyles,
        csp: cspSeen,
      });
      (D.head || D.documentElement).appendChild(
        h("script", {
          // next to the overlay (CFG.root: a loader from before CDN builds has none)
          src: new URL(".__DOTS_DEFERRED_PATH__", CFG.root || BASE + "/").href,
          nonce: CFG.nonce || null, // the page's CSP nonce, as the loader does
          onload: function () {
            x.open ? resolve(x) : reject();
          },
          onerror: reject,
        })
      );
    });
  }
  return later;
}

function warm() {
  deferred().then(null, function () {
    later = null;
  });
}

/* Run fn(exports) once the deferred file is here; if it cannot load
   (offline, blocked), say so, and try again on the next click. */
function withDeferred(fn) {
  deferred().then(guard(fn), function () {
    later = null;
    toast("The request panel could not load. Try again later.", "");
  });
}

function openPanel(view, from, handle) {
  tip.hidden = !(tipFor = null);
  withDeferred(function (x) {
    x.open(view, from, handle);
  });
}

/* fn(exports) if the deferred file was asked for (nothing to do if not). */
function ifDeferred(fn) {
  if (later) later.then(guard(fn), function () {});
}

/* To the panel, only once it is loaded and listening. */
function sendToPanel(message) {
  ifDeferred(function (x) {
    x.send(message);
  });
}
