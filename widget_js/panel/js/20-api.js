/* Calls to the widget API (same origin, the link token as Bearer) and the
   words for its refusals. */

function call(method, path, body, extraHeaders) {
  var headers = { Authorization: "Bearer " + state.token, Accept: "application/json" };
  Object.keys(extraHeaders || {}).forEach(function (k) {
    headers[k] = extraHeaders[k];
  });
  if (body != null) headers["Content-Type"] = "application/json";
  var query = method === "GET" ? (path.indexOf("?") < 0 ? "?" : "&") + "brand=" + encodeURIComponent(BRAND) : "";
  return fetch(API + path + query, {
    method: method,
    headers: headers,
    body: body == null ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  })
    .then(function (res) {
      return res
        .json()
        .catch(function () {
          return null;
        })
        .then(function (json) {
          return { ok: res.ok, status: res.status, data: json || {}, headers: res.headers };
        });
    })
    .catch(function () {
      return { ok: false, status: 0, data: {}, headers: null };
    });
}

/* "Too many requests. Try again in N minutes." from Retry-After (seconds or a date). */
function tooManyText(res) {
  var value = res.headers && res.headers.get("Retry-After");
  var seconds = Number(value);
  if (value && isNaN(seconds)) seconds = (Date.parse(value) - Date.now()) / 1000;
  if (!value || isNaN(seconds)) return "Too many requests. Try again in a few minutes.";
  var minutes = Math.max(1, Math.ceil(seconds / 60));
  return "Too many requests. Try again in " + plural(minutes, "minute", "minutes") + ".";
}

/* The sentence for a failed call that has no field to point at. */
function failureText(res, fallback) {
  if (res.status === 429) return tooManyText(res);
  if (res.status === 401 || res.status === 403) {
    return res.data.message || "This link is no longer valid. Ask " + state.brandName + " for a new one.";
  }
  if (res.status === 0) return "You seem to be offline. Check your connection and try again.";
  return res.data.message || fallback;
}

function load() {
  state.loaded = false;
  notice("Loading…");
  Promise.all([
    call("POST", "/v1/session", { brand: BRAND }),
    call("GET", "/v1/catalog"),
    call("GET", "/v1/panel/profile"),
    call("GET", "/v1/requests/mine"),
  ]).then(function (results) {
    // A preview link (the brand's install check) has no influencer profile.
    var preview = results[0].ok && results[0].data.preview === true;
    var failed = results.filter(function (r, i) {
      return !r.ok && !(preview && i === 2);
    })[0];
    if (failed) {
      notice(failureText(failed, "Could not load your request. Close the panel and try again."));
      return;
    }
    var session = results[0].data;
    var brand = session.brand || {};
    state.brandName = brand.name || BRAND;
    state.policy = brand.policy || {};
    state.currency = brand.currency || results[1].data.currency || "USD";
    state.products = {};
    (results[1].data.products || []).forEach(function (p) {
      state.products[p.handle] = p;
    });
    state.preview = preview;
    state.profile = results[2].ok ? results[2].data : { name: "Preview", handles: [] };
    if (!state.profile.handles) state.profile.handles = (session.influencer || {}).handles || [];
    state.requests = results[3].data.requests || [];
    setup();
    if (preview) setupPreview(session);
    state.loaded = true;
    notice("");
    openView(state.pendingOpen || { view: "bag", bag: {} });
    state.pendingOpen = null;
  });
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}
