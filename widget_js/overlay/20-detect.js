/* Product detection: which elements of the page show which catalog product.
   In order: explicit data-dots-product tags, the schema.org Product of a
   product page (JSON-LD), then Shopify-convention cards (a /products/<handle>
   link with an image in the same card). Only catalog handles count. */

var PRODUCT_PATH = /\/products\/([^\/?#]+)/;
var IMAGE_SELECTOR = "img, [role=img]";
var index = { byName: {}, bySku: {} };
var ldCache = {}; // JSON-LD text -> Product nodes found in it (parsing is not free)
var ldCacheSize = 0;

/* Called once the catalog has arrived. */
function indexCatalog(products) {
  products.forEach(function (p) {
    state.products[p.handle] = p;
    index.byName[norm(p.title)] = p.handle;
    [p.id, p.sku].concat(
      (p.variants || []).map(function (v) {
        return v.sku || v.id;
      })
    ).forEach(function (sku) {
      if (sku != null) index.bySku[String(sku)] = p.handle;
    });
  });
}

function norm(text) {
  return String(text || "").trim().toLowerCase();
}

function catalogHandle(handle) {
  if (!handle) return null;
  if (state.products[handle]) return handle;
  var lower = handle.toLowerCase();
  return state.products[lower] ? lower : null;
}

function handleFromUrl(href) {
  try {
    var m = PRODUCT_PATH.exec(new URL(href, D.baseURI).pathname);
    return m ? catalogHandle(decodeURIComponent(m[1])) : null;
  } catch (err) {
    return null;
  }
}

function pathOf(href) {
  try {
    return new URL(href, D.baseURI).pathname;
  } catch (err) {
    return null;
  }
}

function area(el) {
  var r = el.getBoundingClientRect();
  return r.width * r.height;
}

/* The image a dot sits on: the first image inside, else the element itself. */
function imageIn(el) {
  return el.matches(IMAGE_SELECTOR) ? el : el.querySelector(IMAGE_SELECTOR) || el;
}

/* 1. <div data-dots-product="handle">: the theme told us. */
function detectTagged(found) {
  D.querySelectorAll("[data-dots-product]").forEach(function (el) {
    var handle = catalogHandle(el.getAttribute("data-dots-product"));
    if (handle) add(found, imageIn(el), handle);
  });
}

/* 2. A product page: one schema.org Product in JSON-LD names the product;
   the dot goes on the page's main image. */
function detectJsonLd(found) {
  var nodes = [];
  D.querySelectorAll('script[type="application/ld+json"]').forEach(function (script) {
    var text = script.textContent || "";
    if (!ldCache[text]) {
      if (ldCacheSize++ > 50) {
        ldCache = {}; // single-page apps change this often; keep it bounded
        ldCacheSize = 0;
      }
      var out = [];
      try {
        collectProducts(JSON.parse(text), out, 0);
      } catch (err) {
        /* invalid JSON-LD is common; ignore it */
      }
      ldCache[text] = out;
    }
    nodes = nodes.concat(ldCache[text]);
  });
  var handles = [];
  var match = null;
  nodes.forEach(function (node) {
    var handle = matchProduct(node);
    if (handle && handles.indexOf(handle) < 0) {
      handles.push(handle);
      match = node;
    }
  });
  // Several products in JSON-LD means a listing page: the cards cover those.
  if (handles.length !== 1) return;
  var image = mainImage(match);
  if (image) add(found, image, handles[0]);
}

function collectProducts(node, out, depth) {
  if (!node || typeof node !== "object" || depth > 8) return;
  if (Array.isArray(node)) {
    node.forEach(function (n) {
      collectProducts(n, out, depth + 1);
    });
    return;
  }
  var types = [].concat(node["@type"] || []);
  if (types.indexOf("Product") >= 0 || types.indexOf("ProductGroup") >= 0) out.push(node);
  else if (node["@graph"]) collectProducts(node["@graph"], out, depth + 1);
}

function matchProduct(node) {
  var offers = [].concat(node.offers || []);
  var urls = [node.url, node["@id"]].concat(
    offers.map(function (o) {
      return o && o.url;
    })
  );
  for (var i = 0; i < urls.length; i++) {
    var handle = typeof urls[i] === "string" && handleFromUrl(urls[i]);
    if (handle) return handle;
    var path = typeof urls[i] === "string" && pathOf(urls[i]);
    for (var h in state.products) {
      if (path && pathOf(state.products[h].url) === path) return h;
    }
  }
  var skus = [node.sku, node.mpn, node.productID, node.productGroupID].concat(
    offers.map(function (o) {
      return o && o.sku;
    })
  );
  for (var j = 0; j < skus.length; j++) {
    if (skus[j] != null && index.bySku[String(skus[j])]) return index.bySku[String(skus[j])];
  }
  return index.byName[norm(node.name)] || null;
}

/* The page's main product image: one named by the JSON-LD or og:image, else
   the largest image near the top of the page. */
function mainImage(node) {
  var wanted = [].concat(node.image || []).map(function (img) {
    return typeof img === "string" ? img : img && (img.url || img.contentUrl);
  });
  var og = D.querySelector('meta[property="og:image"]');
  if (og) wanted.push(og.getAttribute("content"));
  var paths = wanted.filter(Boolean).map(pathOf);
  var best = null;
  var bestArea = 0;
  D.querySelectorAll("img").forEach(function (img) {
    var src = img.currentSrc || img.src;
    var a = area(img);
    if (src && paths.indexOf(pathOf(src)) >= 0 && a > bestArea) {
      best = img;
      bestArea = a;
    }
  });
  if (best) return best;
  var limit = W.scrollY + W.innerHeight * 1.5;
  D.querySelectorAll(IMAGE_SELECTOR).forEach(function (el) {
    var r = el.getBoundingClientRect();
    var a = r.width * r.height;
    if (a > bestArea && a >= 150 * 150 && r.top + W.scrollY < limit) {
      best = el;
      bestArea = a;
    }
  });
  return best;
}

/* 3. Shopify-convention cards: <div class="card"><a href="/products/h"><img>… */
function detectCards(found) {
  D.querySelectorAll('a[href*="/products/"]').forEach(function (link) {
    var handle = handleFromUrl(link.getAttribute("href"));
    if (!handle) return;
    var image = cardImage(link, handle);
    if (image) add(found, image, handle);
  });
}

/* The image in the link, else in the smallest ancestor that holds one,
   without climbing into an ancestor that holds another product (the grid). */
function cardImage(link, handle) {
  var image = link.querySelector(IMAGE_SELECTOR);
  if (image) return image;
  var node = link.parentElement;
  for (var depth = 0; node && node !== D.body && depth < 6; depth++) {
    var links = node.querySelectorAll('a[href*="/products/"]');
    for (var i = 0; i < links.length; i++) {
      if (handleFromUrl(links[i].getAttribute("href")) !== handle) return null;
    }
    image = node.querySelector(IMAGE_SELECTOR);
    if (image) return image;
    node = node.parentElement;
  }
  return null;
}

function add(found, el, handle) {
  if (!found.has(el)) found.set(el, handle);
}

/* Every product image on the page right now: Map(element -> handle). */
function detectProducts() {
  var found = new Map();
  [detectTagged, detectJsonLd, detectCards].forEach(function (detect) {
    try {
      detect(found);
    } catch (err) {
      /* one broken detector must not hide the others' dots */
    }
  });
  return found;
}
