/* Shared state and small helpers. The files of this folder are concatenated,
   in name order, into one strict-mode IIFE: top-level names are private to
   the overlay, and the last file starts it. */

var W = window;
var D = document;
var CFG = W.__dots || {};
var BASE = CFG.base;
var BRAND = CFG.brand;
var Z_INDEX = (function () {
  var z = parseInt(CFG.zIndex, 10);
  return isFinite(z) ? z : 2147483000;
})();
var BAG_KEY = "dots:" + BRAND + ":bag";
// What the last views' answers said, at their catalog version (25-lookup.js,
// keep): a returning view draws from it while the loader's early session call
// (which it tells the loader to send) is under way.
var KEPT_KEY = "dots:" + BRAND + ":v";

// What the overlay knows; filled by 99-main.js from the API. Maps keyed by
// handles or keys have no prototype: a handle from a message can't be "__proto__".
var state = {
  session: null, // POST /v1/session
  version: "", // the catalog version of the last answer (GET /v1/products?v=)
  products: Object.create(null), // handle -> product (dot shape, or full shape once needed)
  known: Object.create(null), // product key -> handle ("" when it names none)
  misses: Object.create(null), // preview: product key -> why it gets no dot
  found: [], // the last scan's candidates {el, keys, kind, handle} (20-detect.js)
  statuses: Object.create(null), // handle -> status of the newest request for it
  bag: null, // the stored bag (15-bag.js)
  stopped: false,
};

/* Run fn, swallowing any error: the host page must never see ours. */
function guard(fn) {
  return function () {
    try {
      return fn.apply(this, arguments);
    } catch (err) {
      if (W.console && console.debug) console.debug("[dots]", err);
    }
  };
}

/* createElement with attributes, listeners (on…) and children. Text goes
   in as text nodes (strings), never as markup. */
function h(tag, attrs, children) {
  var el = D.createElement(tag);
  for (var key in attrs || {}) {
    var value = attrs[key];
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.slice(0, 2) === "on") el.addEventListener(key.slice(2), guard(value));
    else el.setAttribute(key, value);
  }
  (children || []).forEach(function (child) {
    if (child != null) el.appendChild(typeof child === "string" ? D.createTextNode(child) : child);
  });
  return el;
}

/* Call fn at most once per animation frame, however often it is asked for. */
function perFrame(fn) {
  var pending = false;
  var run = guard(function () {
    pending = false;
    fn();
  });
  return function () {
    if (!pending) {
      pending = true;
      W.requestAnimationFrame(run);
    }
  };
}

function storageGet(store, key) {
  try {
    return W[store].getItem(key);
  } catch (err) {
    return null; // storage can be disabled (Safari private mode, policies)
  }
}

function storageSet(store, key, value) {
  try {
    if (value == null) W[store].removeItem(key);
    else W[store].setItem(key, value);
  } catch (err) {
    /* quota or disabled storage: the overlay works without it */
  }
}

/* Status words as an influencer reads them (the server's state machine:
   pending -> approved | denied | expired | withdrawn); others pass through. */
var STATUS_LABELS = { pending: "Requested", denied: "Declined" };
// After these, the product can be requested again.
var CLOSED_STATUSES = ["denied", "expired", "withdrawn"];

function statusLabel(status) {
  var s = String(status || "");
  return STATUS_LABELS[s] || s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, " ");
}

function isOpenStatus(status) {
  return !!status && CLOSED_STATUSES.indexOf(status) < 0;
}
