/* Calls to the widget API (same origin, the link token as Bearer) and the
   words for its refusals. */

/* `body`: an object sent as JSON, or a FormData (files) the browser frames itself. */
function call(method, path, body, extraHeaders) {
  var form = typeof FormData !== "undefined" && body instanceof FormData;
  var headers = { Authorization: "Bearer " + state.token, Accept: "application/json" };
  Object.keys(extraHeaders || {}).forEach(function (k) {
    headers[k] = extraHeaders[k];
  });
  if (body != null && !form) headers["Content-Type"] = "application/json";
  var query = method === "GET" ? (path.indexOf("?") < 0 ? "?" : "&") + "brand=" + encodeURIComponent(BRAND) : "";
  return fetch(API + path + query, {
    method: method,
    headers: headers,
    body: body == null ? undefined : form ? body : JSON.stringify(body),
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

/* The full shape of these products, for the bag's lines and "My requests"'
   items: GET /v1/products by handle (public, no token, cacheable by the
   browser: its URL names the catalog version and sorted handles). Products
   already known are not asked again; a failure leaves them unknown (the bag
   then says they can no longer be requested). */
function fetchProducts(handles) {
  var enc = encodeURIComponent;
  var missing = handles
    .filter(function (handle, i) {
      return typeof handle === "string" && handle && handles.indexOf(handle) === i && !state.products[handle];
    })
    .sort();
  var parts = [];
  for (var i = 0; i < missing.length; i += 20) parts.push(missing.slice(i, i + 20));
  return Promise.all(
    parts.map(function (part) {
      var url =
        API + "/v1/products?brand=" + enc(BRAND) + "&v=" + enc(state.version || "") +
        "&keys=" + part.map(function (handle) { return enc("h:" + handle); }).join(",") +
        "&full=" + part.map(enc).join(",");
      return fetch(url, { credentials: "omit" })
        .then(function (res) {
          return res.ok ? res.json() : {};
        })
        .then(function (data) {
          if (data.catalog_version) state.version = String(data.catalog_version);
          (data.products || []).forEach(function (p) {
            state.products[p.handle] = p;
          });
        })
        .catch(function () {});
    })
  );
}

/* The handles a dots:open needs: its bag's lines and the "limit" product. */
function handlesOf(msg) {
  var lines = msg && msg.bag && Array.isArray(msg.bag.lines) ? msg.bag.lines : [];
  return lines
    .map(function (line) {
      return line && line.handle;
    })
    .concat([msg && msg.handle]);
}

function requestHandles(requests) {
  var handles = [];
  requests.forEach(function (request) {
    (request.items || []).forEach(function (item) {
      handles.push(item.product_handle);
    });
  });
  return handles;
}

function load() {
  state.loaded = false;
  notice("Loading…");
  Promise.all([
    call("POST", "/v1/session", { brand: BRAND }),
    call("GET", "/v1/panel/profile"),
    call("GET", "/v1/requests/mine"),
  ]).then(function (results) {
    var failed = results.filter(function (r) {
      return !r.ok;
    })[0];
    if (failed) {
      notice(failureText(failed, "Could not load your request. Close the panel and try again."));
      return;
    }
    var session = results[0].data;
    var brand = session.brand || {};
    state.brandName = brand.name || BRAND;
    state.policy = brand.policy || {};
    state.currency = brand.currency || "USD";
    state.version = session.catalog_version || "";
    state.products = {};
    state.preview = session.preview === true; // the brand's install check: no Send
    state.profile = results[1].data;
    if (!state.profile.handles) state.profile.handles = (session.influencer || {}).handles || [];
    state.requests = results[2].data.requests || [];
    fetchProducts(requestHandles(state.requests).concat(handlesOf(state.pendingOpen))).then(function () {
      setup();
      if (state.preview) setupPreview(session);
      state.loaded = true;
      notice("");
      openView(state.pendingOpen || { view: "bag", bag: {} });
      state.pendingOpen = null;
    });
  });
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}
