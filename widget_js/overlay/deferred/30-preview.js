/* Preview links: the brand's install check (docs/widget-protocol.md,
   "Preview links"). The dots show as an influencer sees them, plus an
   "Install check" button beside the launcher that opens the panel's
   "diagnostics" view with dots:diagnostics: what detection found and what
   the lookups said, the loader's script tags, and the CSP violations seen
   since the start. The panel (88-diagnostics.js) works out and words the
   rest. */

var checkButton = null;

/* "<effective directive> <blocked host>" of each violation seen, never a
   full URL (45-deferred.js kept the events since the start). */
function cspBlocked() {
  var out = [];
  X.csp.forEach(function (event) {
    var where = String(event.blockedURI || "");
    try {
      where = new URL(where).host;
    } catch (err) {
      where = where.slice(0, 20); // a keyword ("inline", "eval"), not a URL
    }
    var entry = event.effectiveDirective + (where ? " " + where : "");
    if (out.indexOf(entry) < 0 && out.length < 20) out.push(entry);
  });
  return out;
}

/* Called (as X.preview) once mounted, when the session answered preview: true. */
function startPreview() {
  // A panel the page may not frame cannot show the check: say it here.
  D.addEventListener(
    "securitypolicyviolation",
    guard(function (event) {
      var blocked = /^(frame|child)-src/.test(event.effectiveDirective);
      if (blocked && String(event.blockedURI).indexOf(BASE) === 0) {
        toast("This page's CSP blocks the Dots panel: add " + BASE + " to frame-src.", "");
      }
    })
  );
  checkButton = h("button", { type: "button", class: "launcher check", onclick: openCheck }, [
    h("span", { class: "mark", "aria-hidden": "true" }),
    "Install check",
  ]);
  ui.appendChild(h("div", { class: "bar" }, [launcher, checkButton]));
  W.addEventListener("message", function (event) {
    // A (re)loaded frame has lost what it was sent.
    var ours = frame && event.source === frame.contentWindow && event.origin === BASE;
    if (ours && (event.data || {}).type === "dots:ready") postToPanel(diagnostics());
  });
}

function openCheck() {
  if (frameReady) postToPanel(diagnostics());
  openPanel("diagnostics", checkButton);
}

/* dots:diagnostics (docs/widget-protocol.md): the panel words it. */
function diagnostics() {
  var tags = D.querySelectorAll("script[src*='/v1/dots.js']");
  return {
    type: "dots:diagnostics",
    page: {
      url: W.location.href.split("#")[0],
      script_tags: tags.length,
      script_src: tags.length ? tags[0].src : "",
      csp_blocked: cspBlocked(),
    },
    origin: state.session.diagnostics,
    known: state.known,
    misses: state.misses,
    found: state.found.slice(0, 500).map(function (f) {
      // The image's alt text names the element; its keys say the rest.
      return { keys: f.keys, handle: f.handle, alt: (f.el.getAttribute("alt") || "").slice(0, 80) };
    }),
  };
}
