/* The bag: the overlay is its one owner. It lives in the host page's
   localStorage as {v:2, link, lines:[{handle, variant_id, quantity}], draft,
   updated_at}, so it survives page loads, reloads and the panel closing, and
   a second tab follows it through `storage` events. A line is made once,
   when a dot adds its product (deferred/10-variant.js picks the variant); after that
   only the influencer's own choices, sent by the panel, change it. Nothing
   personal (address, email, phone) is ever in it. */

var LINK = String(CFG.token || "").split(".")[0];

/* The stored bag as stored, when it is of this link and shape. */
function storedBag() {
  var bag = null;
  try {
    bag = JSON.parse(storageGet("localStorage", BAG_KEY));
  } catch (err) {
    /* a damaged bag is an empty bag */
  }
  return bag && bag.v === 2 && bag.link === LINK && bag;
}

/* The handles of the stored bag's lines (50 at most, as the session call
   takes): their full shapes are needed before its lines can be checked. */
function storedHandles() {
  var bag = storedBag();
  return ((bag && Array.isArray(bag.lines) && bag.lines) || [])
    .map(function (line) {
      return line && line.handle;
    })
    .filter(function (handle) {
      return typeof handle === "string";
    })
    .slice(0, 50);
}

/* The stored bag, or an empty one when it is of another link or shape. */
function readBag() {
  var bag = storedBag();
  var ours = !!bag;
  return {
    v: 2,
    link: LINK,
    lines: cleanLines(ours && bag.lines),
    // As stored: only the panel reads it (cleaned by deferred/20-panel.js).
    draft: (ours && bag.draft) || null,
    updated_at: (ours && +bag.updated_at) || 0,
  };
}

function saveBag() {
  state.bag.updated_at = Date.now();
  storageSet("localStorage", BAG_KEY, JSON.stringify(state.bag));
  renderAllDots();
  renderLauncher();
}

/* Well-formed lines of catalog products that can be requested now: an
   integer variant_id of that product, quantity 1-10. Lines of products gone
   from the catalog or already requested are dropped, never remade. */
function cleanLines(lines) {
  var seen = {};
  return (Array.isArray(lines) ? lines : [])
    .filter(function (line) {
      var p = line && typeof line.handle === "string" && state.products[line.handle];
      var id = p && line.variant_id;
      var ok =
        p &&
        !isOpenStatus(state.statuses[line.handle]) &&
        !seen[id] &&
        Number.isInteger(id) &&
        Number.isInteger(line.quantity) &&
        line.quantity > 0 &&
        line.quantity < 11 &&
        // A product known only by its dot shape can't be checked yet: kept.
        (!p.variants ||
          p.variants.some(function (v) {
            return v.id === id;
          }));
      if (ok) seen[id] = 1;
      return ok;
    })
    .slice(0, 50)
    .map(function (line) {
      return { handle: line.handle, variant_id: line.variant_id, quantity: line.quantity };
    });
}


function bagHas(handle) {
  return state.bag.lines.some(function (line) {
    return line.handle === handle;
  });
}

/* Another tab changed the bag: show it here too, open panel included (once
   the products it added there are known here). */
var onStorage = guard(function (event) {
  if (event.key !== BAG_KEY && event.key !== null) return;
  needFull(storedHandles()).then(
    guard(function () {
      state.bag = readBag();
      renderAllDots();
      renderLauncher();
      sendToPanel({ type: "dots:bag", bag: state.bag });
    })
  );
});
