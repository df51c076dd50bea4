/* Which candidates name catalog products: their keys go to the server once
   per page view (the first ones with POST /v1/session in 99-main.js; later
   ones, and a returning view's, with the public GET /v1/products), and the
   answers stay in state.known (key -> handle, "" for no product), and in
   localStorage for the next view (keep). */

var asked = Object.create(null); // keys sent in this page view, answered or not
var era = 0; // one more each time the answers so far are forgotten (forget)
var URL_ROOM = 3500; // a lookup's URL stays under this many characters
var enc = encodeURIComponent;

/* Keep what an answer says: products (a full shape is never replaced by a
   dot shape), which key names which handle, and (preview) why not. */
function absorb(data, keys) {
  if (!data) return;
  if (data.catalog_version) state.version = String(data.catalog_version);
  (data.products || []).forEach(function (p) {
    var old = p && typeof p.handle === "string" ? state.products[p.handle] : false;
    if (old !== false && (!old || !old.variants || p.variants)) state.products[p.handle] = p;
  });
  var matches = data.matches || {};
  keys.forEach(function (key) {
    state.known[key] = "";
  });
  for (var key in matches) state.known[key] = String(matches[key]);
  for (key in data.misses || {}) state.misses[key] = data.misses[key];
}

/* The keys of these candidates that were never asked, sorted (a stable URL
   is a cached one). */
function newKeys(found) {
  var keys = [];
  // The page's own URLs too: it may be a product's page (20-detect.js, urlPage).
  found.concat({ keys: [pageKey, canonKey] }).forEach(function (c) {
    c.keys.forEach(function (key) {
      if (key && !(key in asked) && keys.indexOf(key) < 0) keys.push(key);
    });
  });
  keys.sort().forEach(function (key) {
    asked[key] = 1;
  });
  return keys;
}

/* Look up keys found after the start, then scan again to place their dots.
   A preview asks with its token (the answer says why a key missed). */
function lookup(found) {
  var keys = newKeys(found);
  if (!keys.length) return;
  var ask = state.session.preview
    ? function (part) {
        return api("POST", "/v1/session", { brand: BRAND, keys: part }).then(function (res) {
          absorb(res.ok && res.data, part);
        });
      }
    : function (part) {
        return products(part, []);
      };
  chunks(keys, 1).forEach(function (part) {
    ask(part).then(scan);
  });
}

/* What the answers said, kept for the next view (25-lookup.js is the one
   writer): products, which key names which, statuses and the brand, at the
   catalog version they are of. Public catalog data and the influencer's
   statuses; nothing personal. */
function keep() {
  var s = state.session;
  if (!s || state.stopped) return;
  // A preview keeps nothing: the next view asks with its keys, for the misses.
  storageSet(
    "localStorage",
    KEPT_KEY,
    s.preview ? null : JSON.stringify({ v: state.version, b: s.brand, k: state.known, p: state.products, s: state.statuses })
  );
}

/* The answers the last views kept (`text`, from localStorage), at their
   catalog version: their keys count as asked. True if there were any. */
function restoreKept(text) {
  var kept = {};
  try {
    kept = JSON.parse(text) || {};
  } catch (e) {}
  state.version = String(kept.v || "");
  for (var key in kept.k) state.known[key] = asked[key] = String(kept.k[key]);
  Object.assign(state.products, kept.p);
  Object.assign(state.statuses, kept.s);
  return !!kept.b && (state.session = { brand: kept.b, resumed: true });
}

/* The answers so far are of an older catalog (the session said so): forget
   them, and drop the lookups still under way (the browser's cache may answer
   them at the old version); their keys are asked again. */
function forget() {
  era++;
  state.known = Object.create(null);
  state.products = Object.create(null);
  asked = Object.create(null);
}

/* GET /v1/products for keys (and the full shape of handles `full`). */
function products(keys, full) {
  var path =
    "/v1/products?brand=" +
    enc(BRAND) +
    "&v=" +
    enc(state.version || "") +
    "&keys=" +
    keys.map(enc).join(",") +
    (full.length ? "&full=" + full.map(enc).join(",") : "");
  var asOf = era;
  return api("GET", path).then(function (res) {
    if (asOf !== era) return;
    absorb(res.ok && res.data, keys);
    keep();
  });
}

/* Keys in runs of at most 200 whose URL stays under URL_ROOM (times is how
   often each is written in the URL). */
function chunks(keys, times) {
  var out = [];
  var part = [];
  var room = URL_ROOM - BASE.length - BRAND.length - 80;
  var used = 0;
  keys.forEach(function (key) {
    var size = (enc(key).length + 1) * times;
    if (part.length && (used + size > room || part.length === 200)) {
      out.push(part);
      part = [];
      used = 0;
    }
    part.push(key);
    used += size;
  });
  if (part.length) out.push(part);
  return out;
}

/* The full shape (variants) of these products, fetched once: what a dot's
   click, the bag and another tab's bag need. */
function needFull(handles) {
  var missing = handles.filter(function (handle, i) {
    var p = typeof handle === "string" && state.products[handle];
    return handles.indexOf(handle) === i && typeof handle === "string" && !(p && p.variants);
  });
  return Promise.all(
    chunks(missing.sort(), 2).map(function (part) {
      return products(
        part.map(function (handle) {
          return "h:" + handle;
        }),
        part
      );
    })
  );
}
