/* Preview links (the brand's install check). With a preview token the panel
   offers no Send and gains an "Install check" view: the overlay measures the
   page and sends dots:diagnostics {page, found, origin?}; this view says in
   words what is right and what is wrong, and lists the products found, the
   product-looking elements with no dot (and why), and the catalog products
   that are not on the page. Everything goes in with textContent (h()). */

var CATALOG_SHOWN = 50;
// What matched, in words, by key kind (docs/widget-protocol.md, "Product keys").
var KEY_KINDS = {
  u: "link URL",
  h: "data-dots-product handle",
  s: "store product id",
  k: "structured data SKU",
  g: "structured data GTIN",
  n: "structured data name",
};
var KEY_NOUNS = { u: "the URL", h: "the handle", s: "the store id", k: "the SKU", g: "the GTIN", n: "the name" };
var MISS_WORDS = {
  excluded: "Excluded from requests (widget-server catalog exclude): include it again to give it a dot.",
  sold_out: "Sold out: no variant is in stock, so it gets a dot when one is back.",
  inactive: "No longer in the catalog feed (inactive): sync the catalog if the store still sells it.",
};
var STATUS_MARKS = { ok: ["\u2713", "OK"], warn: ["!", "Check"], bad: ["\u2715", "Problem"] };

var diag = {
  page: null, // the latest dots:diagnostics
  found: [], // its elements, examined (examine())
  origins: null, // {origin_allowed, origin, origins}: the overlay's session answer, else ours
  catalog: null, // GET /v1/catalog products, once per token
  catalogState: "", // "", "loading", "failed"
};

/* The view and its tab exist from the start (show() walks every view), hidden
   until a preview token loads. */
var diagView = h(
  "section",
  { class: "view", id: "view-diagnostics", hidden: true, "aria-labelledby": "diagnostics-heading" },
  [
    h("h2", { id: "diagnostics-heading", tabindex: "-1", text: "Install check" }),
    h("p", { class: "hint diag-intro", id: "diag-intro" }),
    h("div", { id: "diag-body" }),
  ]
);
$("content").appendChild(diagView);
var diagTab = h(
  "button",
  { type: "button", class: "tab", id: "tab-diagnostics", "data-view": "diagnostics", hidden: true },
  ["Install check"]
);
$("tab-mine").after(diagTab);
diagTab.addEventListener("click", function () {
  if (state.loaded && state.preview) showDiagnostics(true);
});

/* After load() with a preview token: no Send (the server would refuse it
   anyway, 403 preview_only), a note in its place, and the Install check tab. */
function setupPreview(session) {
  diag.origins = diag.origins || session.diagnostics || null;
  diag.catalog = null;
  diag.catalogState = "";
  diagTab.hidden = false;
  $("panel-title").textContent = state.brandName + " (preview)";
  var send = $("send");
  if (send) {
    send.replaceWith(
      h("p", { class: "preview-note", id: "preview-note", role: "note" }, [
        "This is a preview: requests are turned off. An influencer sends the request from here.",
      ])
    );
  }
}

/* dots:diagnostics from the overlay: kept, and shown at once if on screen. */
function onDiagnostics(msg) {
  if (!msg.page || typeof msg.page !== "object" || !Array.isArray(msg.found)) return;
  var known = msg.known && typeof msg.known === "object" ? msg.known : {};
  var misses = msg.misses && typeof msg.misses === "object" ? msg.misses : {};
  diag.page = msg;
  diag.found = msg.found.slice(0, 500).map(function (f) {
    return examine(f || {}, known, misses);
  });
  if (msg.origin && typeof msg.origin === "object") diag.origins = msg.origin;
  if (state.view === "diagnostics") renderDiagnostics();
}

/* One element the overlay found, {keys, handle, alt}, with what the lookups
   said (known: key -> handle; misses: key -> why no dot): the product it
   matched and by which key, or why not, and a short label. */
function examine(f, known, misses) {
  var keys = (Array.isArray(f.keys) ? f.keys : []).slice(0, 20).map(String);
  var handle = typeof f.handle === "string" && f.handle ? f.handle : null;
  var first = function (test) {
    return keys.filter(test)[0];
  };
  var missed = first(function (k) {
    return typeof misses[k] === "string";
  });
  var link = first(function (k) {
    return keyKind(k) === "u";
  });
  return {
    keys: keys,
    handle: handle,
    reason: handle ? "matched" : (missed && misses[missed]) || "unknown",
    match: handle
      ? first(function (k) {
          return known[k] === handle;
        }) || null
      : null,
    label: text(f.alt, 80) || keyValue(link || keys[0] || ""),
  };
}

function showDiagnostics(keepFocus) {
  renderDiagnostics();
  show("diagnostics", keepFocus);
  loadCatalog();
}

/* The whole catalog (requestable products), fetched with the preview token
   only for this list: page views never download it. */
function loadCatalog() {
  if (diag.catalog || diag.catalogState === "loading") return;
  diag.catalogState = "loading";
  call("GET", "/v1/catalog").then(function (res) {
    diag.catalogState = res.ok ? "" : "failed";
    if (res.ok) diag.catalog = res.data.products || [];
    if (state.view === "diagnostics") renderDiagnostics();
  });
}

function text(value, max) {
  return String(value == null ? "" : value).slice(0, max || 300);
}

function keyKind(key) {
  return text(key).split(":")[0];
}

function keyValue(key) {
  return text(key).slice(2);
}

/* One check: a mark and a word (never colour alone), then the sentence. */
function check(status, sentence, detail) {
  var mark = STATUS_MARKS[status];
  return h("li", { class: "check check-" + status }, [
    h("p", {}, [
      h("span", { class: "check-mark" }, [h("span", { "aria-hidden": "true", text: mark[0] }), " " + mark[1]]),
      " " + sentence,
    ]),
    detail ? h("p", { class: "hint", text: detail }) : null,
  ]);
}

function section(id, title, count, children) {
  var heading = title + (count == null ? "" : " (" + count + ")");
  var head = h("h3", { id: id, tabindex: "-1", text: heading });
  return h("section", { class: "diag-section", "aria-labelledby": id }, [head].concat(children));
}

function installChecks(page) {
  var items = [];
  var tags = Number(page.script_tags) || 0;
  var src = text(page.script_src);
  if (tags === 1) items.push(check("ok", "The Dots script tag is on this page once.", src));
  else if (tags > 1) {
    items.push(
      check(
        "warn",
        "The Dots script tag is on this page " + tags + " times.",
        "Keep one: the others load nothing but still cost a request. " + src
      )
    );
  } else {
    items.push(
      check(
        "warn",
        "No <script> tag loading /v1/dots.js was found.",
        "The script was added another way (a tag manager?): that works if it runs on every page."
      )
    );
  }
  var o = diag.origins;
  var pageOrigin = text((o && o.origin) || originOf(page.url));
  var origins = o && Array.isArray(o.origins) ? o.origins.map(String) : [];
  var allowed = o && typeof o.origin_allowed === "boolean" ? o.origin_allowed : origins.indexOf(pageOrigin) >= 0;
  if (allowed) items.push(check("ok", "This page's origin " + pageOrigin + " is one of your store origins."));
  else {
    items.push(
      check(
        "bad",
        "This page's origin " + pageOrigin + " is not one of your store origins: " +
          (origins.join(", ") || "none") +
          ".",
        "Add it with widget-server brand update " + BRAND + " --origin (repeat --origin for each origin to keep)."
      )
    );
  }
  var blocked = Array.isArray(page.csp_blocked) ? page.csp_blocked.slice(0, 10).map(String) : [];
  if (!blocked.length) items.push(check("ok", "No Content-Security-Policy problem seen on this page."));
  var ours = API.split("//")[1];
  blocked.forEach(function (entry) {
    var parts = text(entry, 200).split(" ");
    var what = parts[1] ? " from " + parts[1] : "";
    var sentence = "The page's Content-Security-Policy (" + parts[0] + ") blocked a load" + what + ".";
    if (parts[1] === ours) {
      var needs = "Dots needs script-src, connect-src, frame-src and img-src to allow " + API + ".";
      items.push(check("bad", sentence, needs));
    } else {
      items.push(check("warn", sentence, "Not a load of Dots: check that the store meant to block it."));
    }
  });
  return h("ul", { class: "checks" }, items);
}

function originOf(url) {
  try {
    return new URL(url).origin;
  } catch (err) {
    return "";
  }
}

/* Entries of `found` grouped by what they are (a product shown twice, by a
   carousel's clone or a product page's related items, is one entry). */
function group(found, keyOf) {
  var groups = [];
  var byKey = Object.create(null);
  found.forEach(function (f) {
    var key = keyOf(f);
    if (!byKey[key]) groups.push((byKey[key] = { first: f, count: 0 }));
    byKey[key].count += 1;
  });
  return groups;
}

function catalogByHandle() {
  var map = Object.create(null);
  (diag.catalog || []).forEach(function (p) {
    map[p.handle] = p;
  });
  return map;
}

function product(p, extra) {
  return h("li", { class: "diag-item" }, [h("p", { class: "diag-title", text: text(p.title, 120) })].concat(extra));
}

/* How the page names a product: "link URL /products/tee", "structured data SKU TEE-1". */
function keyWords(key) {
  return (KEY_KINDS[keyKind(key)] || "key") + " " + keyValue(key);
}

function matchedList(found, catalog) {
  var groups = group(found, function (f) {
    return f.handle;
  });
  return groups.map(function (g) {
    var f = g.first;
    var p = catalog[f.handle] || state.products[f.handle] || { title: f.handle };
    var keys = Array.isArray(f.keys) ? f.keys.map(String) : [];
    var times = g.count > 1 ? ", on this page " + g.count + " times" : "";
    var how = f.match ? "Matched by " + keyWords(f.match) : "Found by " + keys.slice(0, 3).map(keyWords).join(", ");
    return product(p, [
      h("p", { class: "hint", text: "Handle " + text(f.handle, 120) + times }),
      h("p", { class: "hint", text: how }),
    ]);
  });
}

/* Why a product-looking element got no dot, in words. */
function missWords(f) {
  if (MISS_WORDS[f.reason]) return MISS_WORDS[f.reason];
  var named = (Array.isArray(f.keys) ? f.keys : []).slice(0, 4).map(function (key) {
    return (KEY_NOUNS[keyKind(key)] || "the key") + " " + keyValue(key);
  });
  return "No catalog product has " + (named.join(" or ") || "these keys") + ". Is the catalog synced?";
}

function missedList(found) {
  var groups = group(found, function (f) {
    return f.reason + " " + (f.keys || []).join(" ");
  });
  return groups.map(function (g) {
    var f = g.first;
    return h("li", { class: "diag-item" }, [
      h("p", { class: "diag-title", text: text(f.label, 80) || "A product card" }),
      h("p", { class: "hint", text: missWords(f) + (g.count > 1 ? " (" + g.count + " times on this page)" : "") }),
    ]);
  });
}

/* Catalog products that no element of the page matched. */
function absentProducts(matched) {
  var shown = Object.create(null);
  matched.forEach(function (f) {
    shown[f.handle] = true;
  });
  return diag.catalog.filter(function (p) {
    return !shown[p.handle];
  });
}

function notOnPage(missing) {
  if (diag.catalogState === "failed") {
    var retry = "The catalog could not be loaded. Open the Install check again to retry.";
    return [h("p", { class: "empty", text: retry })];
  }
  if (!missing) return [h("p", { class: "hint", role: "status", text: "Loading the catalog…" })];
  if (!missing.length) return [h("p", { class: "empty", text: "Every catalog product has a dot on this page." })];
  var list = h(
    "ul",
    { class: "diag-list" },
    missing.slice(0, CATALOG_SHOWN).map(function (p) {
      return product(p, [h("p", { class: "hint", text: text(p.url, 200) || "Handle " + text(p.handle, 120) })]);
    })
  );
  var over = missing.length - CATALOG_SHOWN;
  return [
    h("p", {
      class: "hint",
      text: "Normal on most pages: a page shows part of the catalog. Open a page that should show one to check it.",
    }),
    h("details", { class: "diag-more" }, [
      h("summary", {
        text: over > 0 ? "Show the first " + CATALOG_SHOWN : "Show " + plural(missing.length, "product", "products"),
      }),
      list,
      over > 0 ? h("p", { class: "hint", text: "And " + over + " more." }) : null,
    ]),
  ];
}

/* An in-page link: scroll to its section and read on from its heading,
   without a fragment in the frame's URL. */
function jumpTo(event) {
  event.preventDefault();
  var heading = $(event.currentTarget.getAttribute("href").slice(1));
  heading.scrollIntoView({ block: "start" });
  heading.focus();
}

function renderDiagnostics() {
  var body = $("diag-body");
  var msg = diag.page;
  if (!msg) {
    $("diag-intro").textContent = "";
    body.replaceChildren(h("p", { class: "hint", role: "status", text: "Waiting for the page…" }));
    return;
  }
  var found = diag.found;
  var matched = found.filter(function (f) {
    return f.reason === "matched" && typeof f.handle === "string";
  });
  var missed = found.filter(function (f) {
    return f.reason !== "matched";
  });
  var catalog = catalogByHandle();
  var matchedItems = matchedList(matched, catalog);
  var missedItems = missedList(missed);
  var absent = diag.catalog && absentProducts(matched);
  $("diag-intro").textContent = "What the Dots script sees on " + text(msg.page.url, 200);
  // The lists can be long: links to each, with its count, come first.
  var jumps = [
    ["diag-matched", plural(matchedItems.length, "product with a dot", "products with a dot")],
    ["diag-missed", plural(missedItems.length, "product-looking element", "product-looking elements") + " with no dot"],
    ["diag-absent", absent ? plural(absent.length, "catalog product", "catalog products") + " not on this page" : ""],
  ];
  body.replaceChildren(
    h(
      "ul",
      { class: "diag-jumps", "aria-label": "In this check" },
      jumps.map(function (jump) {
        return jump[1] ? h("li", {}, [h("a", { href: "#" + jump[0], onclick: jumpTo, text: jump[1] })]) : null;
      })
    ),
    section("diag-install", "Install", null, [installChecks(msg.page)]),
    section("diag-matched", "Products with a dot", matchedItems.length, [
      matchedItems.length
        ? h("ul", { class: "diag-list" }, matchedItems)
        : h("p", { class: "empty", text: "No product on this page matched the catalog." }),
    ]),
    section("diag-missed", "Looks like a product, but no dot", missedItems.length, [
      missedItems.length
        ? h("ul", { class: "diag-list" }, missedItems)
        : h("p", { class: "empty", text: "Nothing: every product found on this page has a dot." }),
    ]),
    section("diag-absent", "Catalog products not on this page", absent ? absent.length : null, notOnPage(absent))
  );
}
