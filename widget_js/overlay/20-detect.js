/* Product detection from the page alone: candidates {el, keys, kind}, where
   el is the image a dot would sit on and keys are product keys (18-keys.js)
   the server can match. In order of authority: "tag" (the theme's
   data-dots-product), "page" (the structured data of a product page), "card"
   (a same-origin link with an image in it or beside it). Which candidates
   name a catalog product is for the lookup (25-lookup.js) to say. */

var IMAGES = "img,[role=img]";
// Slides a carousel copies for its endless loop: the original is on the page too.
var CLONES = ".slick-cloned,.swiper-slide-duplicate,.splide__slide--clone,.glide__slide--clone,.owl-item.cloned,.tns-slide-cloned";
var hrefKeys = new Map(); // link href -> its u: key (links repeat on every scan)
// link -> [its href attribute and base, its key]: a scan reads each link
// several times (as a card's link, and inside its ancestors), and resolving
// link.href is not free
var linkKeys = new WeakMap();
var ldCache = new Map(); // JSON-LD text -> the Product nodes in it (parsing is not free)
var pageKey = null; // the u: key of the page itself
// and of its canonical link: OpenCart shows a product at its category's path
// too (/desktops/mac/imac) with the product's own URL (/imac) as canonical
var canonKey = null;
var startCards = null; // what quickKeys() found, for the detection right after it

/* The key of a same-origin link, unless it leads to this very page
   (breadcrumbs, "#reviews", the variant picker of a product page). */
function linkKey(link) {
  // A client-side route moves what a relative href means: the base is part of it.
  var id = link.getAttribute("href") + " " + D.baseURI;
  var seen = linkKeys.get(link);
  if (!seen || seen[0] !== id) linkKeys.set(link, (seen = [id, hrefKey(link)]));
  return seen[1] !== pageKey ? seen[1] : null;
}

/* The u: key of a link to this origin (no key for another's). */
function hrefKey(link) {
  var href = link.href;
  if (typeof href !== "string" || link.origin !== W.location.origin) return null;
  if (!hrefKeys.has(href)) {
    if (hrefKeys.size > 4000) hrefKeys.clear();
    hrefKeys.set(href, urlKey(href));
  }
  return hrefKeys.get(href);
}

/* The area a person sees of an element: 0 when it has no box, or is hidden
   by display, visibility or opacity (its own or an ancestor's). */
var SHOWN = { opacityProperty: true, visibilityProperty: true }; // for checkVisibility
function seenArea(el) {
  var r = el.getBoundingClientRect();
  var area = r.width * r.height;
  if (!area) return 0;
  if (el.checkVisibility) return el.checkVisibility(SHOWN) ? area : 0;
  var style = W.getComputedStyle(el);
  return style.visibility === "hidden" || style.opacity === "0" ? 0 : area;
}

/* The largest visible image in root (a hover image, a hidden slide or a
   zero-size placeholder lose), else its first image; clones never. */
function bestImage(root, test) {
  var images = root.matches(IMAGES) ? [root] : [].slice.call(root.querySelectorAll(IMAGES));
  var best = null;
  var bestArea = 0;
  images.forEach(function (img) {
    if (img.closest(CLONES) || (test && !test(img))) return;
    // (A lone image is the one whatever its box: no layout read for it.)
    var area = images.length > 1 ? seenArea(img) : 0;
    if (!best || area > bestArea) {
      best = img;
      bestArea = area;
    }
  });
  return best;
}

/* 1. <div data-dots-product="handle">: the theme told us. */
function detectTagged(add) {
  D.querySelectorAll("[data-dots-product]").forEach(function (el) {
    add(bestImage(el) || el, [valueKey("h", el.getAttribute("data-dots-product"))], "tag");
  });
}

/* 2. A product page: schema.org Product / ProductGroup in JSON-LD, microdata
   or RDFa, or og:type=product. */
function detectPage(add) {
  var page = pageProduct();
  if (page === null) return urlPage(add);
  // Any large image only on the product's own page, never under a featured
  // product's markup on another page.
  var image = page && page.keys.length && mainImage(page.images, page.own);
  if (image) add(image, page.keys, "page");
}

/* The product this page describes, {keys, images, own}, read without layout:
   descriptions of one product (they share a key) merge; more than one
   product means a listing, which cards cover (false); null when the page
   says nothing of a product. */
function pageProduct() {
  var groups = [];
  var nodes = [];
  D.querySelectorAll('script[type="application/ld+json"]').forEach(function (script) {
    var text = script.textContent || "";
    if (!ldCache.has(text)) {
      if (ldCache.size > 50) ldCache.clear(); // single-page apps change this often
      var out = [];
      try {
        collectProducts(JSON.parse(text), out, 0);
      } catch (err) {
        /* invalid JSON-LD is common; ignore it */
      }
      ldCache.set(text, out);
    }
    nodes = nodes.concat(ldCache.get(text));
  });
  D.querySelectorAll('[itemtype$="/Product"],[typeof$="Product"]').forEach(function (scope) {
    nodes.push(scopeNode(scope));
  });
  nodes.forEach(function (node) {
    var group = { keys: [], images: [] };
    nodeKeys(node, group, 0);
    var same = groups.filter(function (g) {
      return g.keys.some(function (key) {
        return group.keys.indexOf(key) >= 0;
      });
    })[0];
    if (same) {
      same.keys = union(same.keys, group.keys);
      same.images = same.images.concat(group.images);
    } else if (group.keys.length) groups.push(group);
  });
  var ogType = meta("og:type");
  if (groups.length > 1) return false;
  if (!groups.length && !/product/i.test(ogType)) return null;
  var page = groups[0] || { keys: [], images: [] };
  page.keys = union(page.keys, [canonKey || urlKey(meta("og:url") || "/")]);
  page.images.push(meta("og:image"));
  page.own = /product/i.test(ogType) || page.keys.indexOf(pageKey) >= 0;
  return page;
}

/* A page with no structured data (a headless store after a client-side
   navigation) is a product's page when the lookup says its URL is that
   product's own URL: the dot goes on its main image. */
function urlPage(add) {
  [pageKey, canonKey].forEach(function (key) {
    var p = state.products[state.known[key]];
    var image = p && urlKey(p.url) === key && mainImage([p.image_url], true);
    if (image) add(image, [key], "page");
  });
}

function meta(property) {
  var el = D.querySelector('meta[property="' + property + '"]');
  return (el && el.getAttribute("content")) || "";
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

/* Microdata (itemprop) or RDFa (property) of one Product scope, as the
   object JSON-LD would give: {name: [values], offers: [{...}]}. A nested
   Product (related items) is not this one's; a nested Offer is. */
function scopeNode(scope) {
  var node = {};
  scope.querySelectorAll("[itemprop],[property]").forEach(function (el) {
    if (el.parentElement.closest('[itemtype$="/Product"],[typeof$="Product"]') !== scope) return;
    var value =
      el.getAttribute("content") ||
      el.getAttribute("href") ||
      el.getAttribute("src") ||
      el.getAttribute("resource") ||
      el.textContent;
    (el.getAttribute("itemprop") || el.getAttribute("property")).split(/\s+/).forEach(function (name) {
      name = name.slice(name.search(/[^\/:#]*$/)); // schema:sku, https://schema.org/sku
      node[name] = [].concat(node[name] || [], value);
    });
  });
  return node;
}

/* The keys of a Product node, its offers and variants (hasVariant), and the
   images it names. */
function nodeKeys(node, group, depth) {
  if (!node || typeof node !== "object" || depth > 3) return;
  var push = function (kind, field) {
    [].concat(node[field] == null ? [] : node[field]).forEach(function (value) {
      var key = kind === "u" ? typeof value === "string" && urlKey(value) : valueKey(kind, value);
      if (key && group.keys.indexOf(key) < 0) group.keys.push(key);
    });
  };
  push("u", "url");
  push("u", "@id");
  push("s", "productID");
  push("s", "productGroupID");
  push("k", "sku");
  ["gtin", "gtin8", "gtin12", "gtin13", "gtin14"].forEach(function (field) {
    push("g", field);
  });
  // The first name only: microdata on <body> also holds the names of the
  // related products shown below, which must never name this one.
  if (!depth) node.name = [].concat(node.name)[0];
  if (!depth) push("n", "name");
  [].concat(node.image || []).forEach(function (img) {
    group.images.push(typeof img === "string" ? img : img && (img.url || img.contentUrl));
  });
  [].concat(node.offers || [], node.hasVariant || []).forEach(function (child) {
    nodeKeys(child, group, depth + 1);
  });
}

function union(a, b) {
  return a.concat(
    b.filter(function (item) {
      return item && a.indexOf(item) < 0;
    })
  );
}

/* An image URL without what only changes its size: the host, the query,
   Next.js's /_next/image wrapper, Wix's /v1/fill/…, BigCommerce's
   /stencil/<size>/, Magento's /cache/<hash>/, Shopify's _600x / _large / _{width}x and WordPress's
   -300x300 suffixes. */
function imageId(src) {
  src = String(src || "");
  var next = /\/_next\/image\/?\?(?:.*&)?url=([^&]+)/.exec(src);
  if (next) src = decodeURIComponent(next[1]);
  return src
    .split(/[?#]/)[0]
    .replace(/^(https?:)?\/\/[^\/]+/, "")
    .replace(/\/v1\/(fill|fit|crop)\/.*$/, "")
    .replace(/\/stencil\/[^\/]+\//, "/stencil/")
    .replace(/\/cache\/[0-9a-f]{32}\//, "/")
    .replace(/(_(\d*x\d*|small|medium|large|grande|compact|master|pico|icon|thumb|\{width\}x)(@\dx)?|-\d+x\d+|-scaled)(?=\.\w+$)/i, "")
    .toLowerCase();
}

/* Every URL an <img> may show: src, currentSrc, lazy data-src, the entries
   of srcset / data-srcset and of its <picture>'s sources. */
function imageIds(img) {
  var urls = [img.currentSrc, img.getAttribute("src"), img.getAttribute("data-src")];
  var sources = img.parentElement && img.parentElement.tagName === "PICTURE" ? img.parentElement.children : [img];
  [].forEach.call(sources, function (source) {
    var set = (source.getAttribute("srcset") || "") + " " + (source.getAttribute("data-srcset") || "");
    (set.match(/\S+/g) || []).forEach(function (word) {
      if (!/^\d+(\.\d+)?[wx],?$/.test(word)) urls.push(word.replace(/,$/, ""));
    });
  });
  return urls.filter(Boolean).map(imageId);
}

/* The product page's main image: the largest visible one the structured
   data or og:image names (whatever its size variant), else the largest
   image near the top of the page (own: this is the product's page). */
function mainImage(images, own) {
  var wanted = images.filter(Boolean).map(imageId);
  var named = bestImage(D.body, function (img) {
    return (
      img.tagName === "IMG" &&
      imageIds(img).some(function (id) {
        return wanted.indexOf(id) >= 0;
      })
    );
  });
  if (named && seenArea(named)) return named;
  var limit = W.scrollY + W.innerHeight * 1.5;
  var best =
    own &&
    bestImage(D.body, function (el) {
      var r = el.getBoundingClientRect();
      return r.width * r.height >= 150 * 150 && r.top + W.scrollY < limit;
    });
  return best && seenArea(best) ? best : named;
}

/* 3. Cards: a same-origin link with a product path and an image in it, or
   in the smallest ancestor that holds no link to another path. A link with
   no image near it (menus, footers) is not a candidate. */
function detectCards(add) {
  // The start's quickKeys() walked the cards a moment ago, in the same task.
  (startCards || findCards()).forEach(function (card) {
    add(bestImage(card[2]), [card[1]], "card");
  });
  startCards = null;
}

/* [link, key, card] for every card link; card is the element whose images
   are the link's. DOM reads only, no layout. */
function findCards() {
  var cards = [];
  D.querySelectorAll("a[href]").forEach(function (link) {
    var key = linkKey(link);
    if (!key || link.closest(CLONES)) return;
    for (var node = link, depth = 0; node && node !== D.body && depth < 7; node = node.parentElement, depth++) {
      var other = [].some.call(node.querySelectorAll("a[href]"), function (a) {
        var k = linkKey(a);
        return k && k !== key;
      });
      if (other) return;
      if (hasImage(node)) return cards.push([link, key, node]);
    }
  });
  return cards;
}

function hasImage(node) {
  return (
    (node.matches(IMAGES) && !node.closest(CLONES)) ||
    [].some.call(node.querySelectorAll(IMAGES), function (img) {
      return !img.closest(CLONES);
    })
  );
}

/* The keys of the first call, read without layout (no box, no style), so
   the call leaves before the page's first layout: those of tagged products,
   the page's own product and cards, and the page's URL (a headless store's
   product page, see urlPage). Which images get dots is for
   detectProducts() to work out while the server answers. */
function quickKeys() {
  readPageKeys();
  var keys = [];
  D.querySelectorAll("[data-dots-product]").forEach(function (el) {
    keys.push(valueKey("h", el.getAttribute("data-dots-product")));
  });
  var page = pageProduct();
  if (page) keys = keys.concat(page.keys);
  startCards = findCards();
  startCards.forEach(function (card) {
    keys.push(card[1]);
  });
  return keys.concat(pageKey, canonKey);
}

function readPageKeys() {
  var canonical = D.querySelector('link[rel="canonical"]');
  pageKey = urlKey(W.location.href);
  canonKey = canonical && urlKey(canonical.href);
}

/* Every candidate on the page right now; an image gets one (the most
   authoritative; links of one card add their keys to it). */
function detectProducts() {
  readPageKeys();
  var byEl = new Map();
  var add = function (el, keys, kind) {
    keys = keys.filter(Boolean);
    var seen = byEl.get(el);
    if (seen && seen.kind === kind) seen.keys = union(seen.keys, keys);
    else if (!seen && keys.length) byEl.set(el, { el: el, keys: keys, kind: kind, handle: null });
  };
  [detectTagged, detectPage, detectCards].forEach(function (detect) {
    try {
      detect(add);
    } catch (err) {
      /* one broken detector must not hide the others' dots */
    }
  });
  return Array.from(byEl.values());
}
