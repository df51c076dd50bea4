/* The one host element, its shadow root, and a dot on every detected
   product image. Dots live in a position:fixed layer and follow their image
   (getBoundingClientRect, once per frame), so the page never reflows. */

var host = null;
var layer = null;
var ui = null; // launcher, toasts and dialog: pinned to the visual viewport
var skip = null; // "Go to the first dot", the overlay's first tab stop
var tip = null; // the product name of the dot under the pointer or focus
var tipFor = null;
var tracked = new Map(); // image element -> {handle, btn, visible}
var visibility = null; // IntersectionObserver: skips off-screen or clipped images
var sizes = null; // ResizeObserver: images that change size without a scroll
var mutations = null;

function mountHost() {
  host = D.createElement("dots-overlay");
  var shadow = host.attachShadow({ mode: "open" });
  applyStyles(shadow, CSS);
  // Tab order: the skip control, the launcher (in ui), then the dots.
  skip = h("button", { type: "button", class: "skip", hidden: "", onclick: focusFirstDot }, [
    "Go to the first dot",
  ]);
  tip = h("div", { class: "tip", "aria-hidden": "true", hidden: "" });
  ui = h("div", { class: "ui" });
  layer = h("div", { class: "layer" }, [skip, ui, tip]);
  // The first intent (a pointer over, or focus on, a dot or the launcher)
  // fetches the deferred file, so a click rarely waits for it.
  ["pointerover", "focusin"].forEach(function (type) {
    layer.addEventListener(type, warm, { once: true });
  });
  shadow.appendChild(layer);
  attachHost();
  if (W.visualViewport) {
    W.visualViewport.addEventListener("resize", onViewport);
    W.visualViewport.addEventListener("scroll", onViewport);
    pinUi();
  }
}

var onViewport = perFrame(function () {
  pinUi();
  positionDots();
});

/* On phones, a page wider than the screen makes the layout viewport (what
   position:fixed follows) larger than what is visible; keep the launcher and
   the dialog on the visible part. */
function pinUi() {
  var vv = W.visualViewport;
  ui.style.width = vv.width + "px";
  ui.style.height = vv.height + "px";
  ui.style.transform = "translate(" + vv.offsetLeft + "px," + vv.offsetTop + "px)";
}

/* First in <body>, so a keyboard reaches the dots before the whole store.
   Some sites replace <body> on navigation; put the host back when they do. */
function attachHost() {
  var body = D.body || D.documentElement;
  if (host && !host.isConnected) body.insertBefore(host, body.firstChild);
}

/* The first dot on screen (else the first on the page: focusing an off-
   screen dot scrolls its product into view). */
function focusFirstDot() {
  var first = null;
  tracked.forEach(function (rec) {
    var b = rec.btn;
    if (!b.hidden && (!first || (first.classList.contains("off") && !b.classList.contains("off")))) first = b;
  });
  if (first) first.focus();
}

function makeDot(handle, el) {
  var btn = h("button", { type: "button", class: "dot", "data-handle": handle }, [
    h("span", { class: "pip", "aria-hidden": "true" }),
    h("span", { class: "label" }),
  ]);
  btn.addEventListener(
    "click",
    guard(function () {
      onDotClick(handle, btn, el);
    })
  );
  ["mouseenter", "focus"].forEach(function (type) {
    btn.addEventListener(
      type,
      guard(function () {
        tipFor = btn;
        tip.textContent = productTitle(handle);
        tip.hidden = false;
        placeTip();
      })
    );
  });
  ["mouseleave", "blur"].forEach(function (type) {
    btn.addEventListener(type, function () {
      if (tipFor === btn) tip.hidden = !(tipFor = null);
    });
  });
  renderDot(btn, handle);
  return btn;
}

function productTitle(handle) {
  return state.products[handle] ? state.products[handle].title : handle;
}

/* The product's name under its dot (above it near the bottom of the screen),
   right-aligned with it so it stays on screen. */
function placeTip() {
  var r = tipFor.getBoundingClientRect();
  var below = r.bottom + 40 < visibleBox().bottom;
  tip.style.maxWidth = Math.max(120, r.right - 8) + "px";
  tip.style.transform =
    "translate(" + Math.round(r.right) + "px," + Math.round(below ? r.bottom + 2 : r.top - 2) + "px) translate(-100%," + (below ? 0 : "-100%") + ")";
}

function renderDot(btn, handle) {
  var p = state.products[handle];
  var title = productTitle(handle);
  var status = state.statuses[handle];
  var open = isOpenStatus(status);
  var limit = !open && p && p.over_limit;
  var inBag = bagHas(handle);
  btn.className =
    "dot" +
    (status ? " has-status" : "") +
    (status && !open ? " closed" : "") +
    (inBag ? " in-bag" : "") +
    (limit ? " limit" : "") +
    (btn.classList.contains("off") ? " off" : "");
  btn.setAttribute("data-status", status || "");
  btn.lastChild.textContent = status ? statusLabel(status) : "";
  var brand = (state.session && state.session.brand && state.session.brand.name) || BRAND;
  var name = limit
    ? title + ": over " + brand + "'s limit per request"
    : open
      ? statusLabel(status) + ": " + title
      : "Request " + title;
  if (status && !open) name += " (" + statusLabel(status) + ")";
  if (inBag) name += " (in your request)";
  btn.setAttribute("aria-label", name);
}

function renderAllDots() {
  tracked.forEach(function (rec) {
    renderDot(rec.btn, rec.handle);
  });
}

/* A requested product opens "My requests"; a product over the brand's limit
   opens the panel's explanation; any other goes into the bag (once: a line
   already there keeps the influencer's choices), with the variant the page
   shows, for which its full shape is fetched first (cached). */
function onDotClick(handle, btn, el) {
  var p = state.products[handle];
  if (isOpenStatus(state.statuses[handle])) return openPanel("mine", btn);
  if (p.over_limit) return openPanel("limit", btn, handle);
  needFull([handle]).then(
    guard(function () {
      withDeferred(function (x) {
        var full = state.products[handle];
        var variant = !bagHas(handle) && full.variants && x.pick(full, el);
        if (variant) {
          state.bag.lines.push({ handle: handle, variant_id: variant.id, quantity: 1 });
          saveBag();
        }
        openPanel("bag", btn);
      });
    })
  );
}

function track(el, handle) {
  // visible: on screen, per the IntersectionObserver; rendered: has a box.
  var rec = { handle: handle, btn: makeDot(handle, el), visible: true, rendered: true };
  tracked.set(el, rec);
  // Dots of off-screen products stay in the tab order (and for screen
  // readers); focusing one brings its product into view.
  rec.btn.addEventListener(
    "focus",
    guard(function () {
      if (rec.btn.classList.contains("off")) el.scrollIntoView({ block: "center", inline: "nearest" });
    })
  );
  layer.insertBefore(rec.btn, tip);
  if (visibility) visibility.observe(el);
  if (sizes) sizes.observe(el);
}

function untrack(el, rec) {
  tracked.delete(el);
  rec.btn.remove();
  if (visibility) visibility.unobserve(el);
  if (sizes) sizes.unobserve(el);
}

/* Re-detect products, look up keys never asked, and add or drop dots.
   Batched to one run per frame; runs again when a lookup answers. */
var scan = perFrame(function () {
  drawDots(null);
});

/* Add or drop dots for the candidates found (detected now when null). */
function drawDots(found) {
  if (state.stopped) return;
  found = found || detectProducts();
  lookup(found);
  // Boxes are read before the dots are written: a layout read after a
  // write makes the browser lay the page out again, at once.
  var placed = place(found);
  if (!host) {
    // The host, the launcher and the watchers, with the first dots.
    mountHost();
    mountLauncher();
    watchPage();
  }
  attachHost();
  state.found = found;
  tracked.forEach(function (rec, el) {
    if (placed.get(el) !== rec.handle) untrack(el, rec);
  });
  placed.forEach(function (handle, el) {
    if (!tracked.has(el)) track(el, handle);
  });
  skip.hidden = !tracked.size;
  renderLauncher();
  // Placed in the next frame, before it is painted: reading boxes now,
  // after the writes above, would lay the page out once more at once.
  reposition();
}

/* The candidates that get a dot: the first of their keys that names a
   product decides which. One dot per product and spot: a copy under
   aria-hidden (a carousel's clone) gives way to a shown one of the same
   product, and candidates of one product over the same box count once. */
function place(found) {
  var placed = new Map();
  var boxes = new Map(); // handle -> the boxes of its dots so far
  var hiddenCopy = function (c) {
    return c.el.closest('[aria-hidden="true"]');
  };
  found.forEach(function (c) {
    c.handle = null;
    for (var i = 0; i < c.keys.length && !c.handle; i++) {
      var handle = state.known[c.keys[i]];
      if (handle && state.products[handle]) c.handle = handle;
    }
  });
  found.forEach(function (c) {
    if (!c.handle) return;
    var twin = function (o) {
      return o !== c && o.handle === c.handle;
    };
    if (
      hiddenCopy(c) &&
      found.some(function (o) {
        return twin(o) && !hiddenCopy(o);
      })
    ) {
      return;
    }
    var r = c.el.getBoundingClientRect();
    // A card's image wider than 5:2 is a banner: what it links to need not
    // be what it shows (OpenCart's demo links its iPhone banner to a tablet).
    if (c.kind === "card" && r.height && r.width > 2.5 * r.height) return;
    var mine = boxes.get(c.handle) || [];
    var same = mine.some(function (b) {
      var w = Math.min(r.right, b.right) - Math.max(r.left, b.left);
      var tall = Math.min(r.bottom, b.bottom) - Math.max(r.top, b.top);
      return w > 0 && tall > 0 && w * tall * 2 > Math.min(area(r), area(b));
    });
    if (same) return;
    boxes.set(c.handle, mine.concat(r));
    placed.set(c.el, c.handle);
  });
  return placed;
}

function area(r) {
  return r.width * r.height;
}

var reposition = perFrame(function () {
  positionDots();
});

/* All reads first, then all writes: one layout per frame. A dot is "on"
   (over its image), "off" (image on the page but not on screen, or no room
   on it beside the launcher: invisible yet focusable) or hidden (image not
   rendered). The launcher never covers a dot: a dot that would be under it
   moves up, or is off when its image has no room above the launcher. */
function positionDots() {
  var view = visibleBox();
  var edges = barEdges(view);
  var pad = launcher && launcher.getBoundingClientRect();
  var rows = [];
  var shown = 0;
  tracked.forEach(function (rec, el) {
    var r = null;
    var rendered = el.isConnected && rec.rendered;
    if (rendered && rec.visible) {
      if (el.checkVisibility) rendered = el.checkVisibility(SHOWN);
      r = rendered ? el.getBoundingClientRect() : null;
      rendered = rendered && r.width >= 32 && r.height >= 32;
    }
    // A dot's width matters only beside the launcher (read only there: it
    // is a layout read of its own for a dot just added).
    var width = r && pad && r.right > pad.left ? rec.btn.offsetWidth : 0;
    rows.push([rec.btn, rendered, rendered && r, Math.max(44, width)]);
  });
  rows.forEach(function (row) {
    var btn = row[0];
    var r = row[2];
    btn.hidden = !row[1];
    if (!row[1]) return;
    // The top-right corner of the part of the image that is on screen,
    // below a sticky header and above a bottom bar.
    var top = r && Math.max(r.top, edges[0]) + 4;
    var right = r && Math.min(r.right, view.right) - 4;
    var on = r && Math.min(r.bottom, edges[1]) - top >= 44 && right - Math.max(r.left, view.left) >= 44;
    if (on && pad && right - row[3] < pad.right + 4 && right > pad.left - 4 && top + 48 > pad.top && top < pad.bottom + 4) {
      top = pad.top - 48;
      on = top >= Math.max(r.top, edges[0]);
    }
    btn.classList.toggle("off", !on);
    if (on) {
      shown++;
      btn.style.transform = "translate(" + Math.round(right) + "px," + Math.round(top) + "px) translateX(-100%)";
    }
  });
  if (shown) greet();
  if (tipFor) placeTip();
}

/* The part of the page on screen, in the coordinates of
   getBoundingClientRect (the layout viewport). */
function visibleBox() {
  var vv = W.visualViewport;
  if (vv) {
    return { left: vv.offsetLeft, top: vv.offsetTop, right: vv.offsetLeft + vv.width, bottom: vv.offsetTop + vv.height };
  }
  var root = D.documentElement;
  return { left: 0, top: 0, right: root.clientWidth || W.innerWidth, bottom: root.clientHeight || W.innerHeight };
}

/* Fixed or sticky bars (headers, cookie or cart bars) cover images; a dot
   over them would float on top of the store's own navigation. Returns the
   [top, bottom] of the free band of the viewport. */
function barEdges(view) {
  var edges = [view.top, view.bottom];
  var vh = view.bottom - view.top;
  if (!D.elementsFromPoint) return edges;
  [view.top + 1, view.bottom - 2].forEach(function (y, bottom) {
    var stack = D.elementsFromPoint((view.left + view.right) / 2, y);
    for (var i = 0; i < stack.length && i < 12; i++) {
      var el = stack[i];
      if (el === host || el === D.body || el === D.documentElement) continue;
      var position = W.getComputedStyle(el).position;
      if (position !== "fixed" && position !== "sticky") continue;
      var r = el.getBoundingClientRect();
      if (r.height > vh / 3) continue; // a full-page layer, not a bar
      if (bottom) edges[1] = Math.min(edges[1], r.top);
      else edges[0] = Math.max(edges[0], r.bottom);
    }
  });
  return edges;
}

/* What may add or remove products: elements, and the attributes that show,
   hide or re-point a card (a fade-in, a tab shown, a lazy image loaded). */
var WATCHED = {
  childList: true,
  subtree: true,
  attributes: true,
  attributeFilter: ["href", "src", "srcset", "class", "style", "hidden", "data-dots-product"],
};

/* Watch the page: new products (infinite scroll, client-side routes) and
   anything that moves images. */
function watchPage() {
  // Both tell when an image gets or loses its box: an image still loading
  // may have none when first observed and grow later without moving.
  var seen = guard(function (entries) {
    entries.forEach(function (entry) {
      var rec = tracked.get(entry.target);
      var r = entry.boundingClientRect || entry.contentRect;
      if (!rec) return;
      if ("isIntersecting" in entry) rec.visible = entry.isIntersecting;
      rec.rendered = r.width >= 32 && r.height >= 32;
    });
    reposition();
  });
  if (W.IntersectionObserver) visibility = new IntersectionObserver(seen);
  if (W.ResizeObserver) {
    sizes = new ResizeObserver(seen);
    if (D.body) sizes.observe(D.body);
  }
  mutations = new MutationObserver(
    guard(function (records) {
      for (var i = 0; i < records.length; i++) {
        if (isRelevant(records[i])) {
          scan();
          return;
        }
      }
    })
  );
  mutations.observe(D.documentElement, WATCHED);
  wrapHistory();
  W.addEventListener("popstate", scan);
  W.addEventListener("hashchange", scan);
  W.addEventListener("scroll", reposition, { capture: true, passive: true });
  W.addEventListener("resize", reposition, { passive: true });
  W.addEventListener("storage", onStorage);
  D.addEventListener("load", onLoad, true);
}

/* An image finished loading: it may have a size now, and the page may have
   moved. One with a dot already only moves dots (its own box is watched);
   another may change which image of its card is the largest. */
function onLoad(event) {
  (tracked.has(event.target) ? reposition : scan)();
}

/* Only element changes outside our own host can add or remove products; an
   attribute only when it is on or around an image or a link. */
function isRelevant(record) {
  var target = record.target;
  if (target === host) return false;
  if (record.type === "attributes") {
    return record.attributeName === "href" || target.matches(IMAGES) || !!target.querySelector(IMAGES + ",a");
  }
  var nodes = [].concat([].slice.call(record.addedNodes), [].slice.call(record.removedNodes));
  return nodes.some(function (node) {
    return node.nodeType === 1 && node !== host;
  });
}

/* Client-side routers navigate with pushState/replaceState, which fire no
   event. The wrappers stay after a stop (another script may have wrapped
   ours); they only schedule a scan, which is then a no-op. */
function wrapHistory() {
  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name];
    if (typeof original !== "function") return;
    history[name] = function () {
      var result = original.apply(this, arguments);
      scan();
      return result;
    };
  });
}

function stopOverlay() {
  state.stopped = true;
  if (visibility) visibility.disconnect();
  if (sizes) sizes.disconnect();
  if (mutations) mutations.disconnect();
  W.removeEventListener("popstate", scan);
  W.removeEventListener("hashchange", scan);
  W.removeEventListener("scroll", reposition, { capture: true });
  W.removeEventListener("resize", reposition);
  W.removeEventListener("storage", onStorage);
  D.removeEventListener("load", onLoad, true);
  if (W.visualViewport) {
    W.visualViewport.removeEventListener("resize", onViewport);
    W.visualViewport.removeEventListener("scroll", onViewport);
  }
  ifDeferred(function (x) {
    x.close();
  });
  tracked.clear();
  if (host) host.remove();
}
