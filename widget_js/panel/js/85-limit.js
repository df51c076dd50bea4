/* The "limit" view: a product whose price alone is over the brand's
   per-request value limit. It explains, and offers a way back. */

function cheapest(product) {
  var prices = (product.variants || [])
    .filter(function (v) {
      return v.available;
    })
    .map(function (v) {
      return v.price_minor;
    });
  return prices.length ? Math.min.apply(Math, prices) : null;
}

function showLimit(handle) {
  var product = state.products[handle];
  var max = state.policy.max_value_minor;
  var price = product ? cheapest(product) : null;
  $("limit-heading").textContent = product ? product.title : "This product";
  var img = $("limit-image");
  img.hidden = true;
  if (product && product.image_url) img.src = product.image_url;
  else img.removeAttribute("src");
  $("limit-text").textContent =
    product && max && price != null
      ? product.title + " costs " + money(price) + ", over " + state.brandName + "'s limit of " + money(max) +
        " per request."
      : "This product can't be requested from " + state.brandName + ".";
  $("limit-hint").textContent = max
    ? "You can request products worth up to " + money(max) + " in total. " + pointerWord() +
      " a dot on another product to add it."
    : "";
  show("limit");
}
