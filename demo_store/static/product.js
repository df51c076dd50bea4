/* Product page: keep price, stock, the hidden variant id and ?variant= in step with the
   option selects or radios. The "Add to cart" button is intentionally a no-op in this demo store. */
(function () {
  "use strict";

  var dataNode = document.getElementById("product-variants");
  if (!dataNode) { return; }
  var variants = JSON.parse(dataNode.textContent);
  // Option selects, or radio "pills" (only the checked one counts).
  var selects = document.querySelectorAll("[data-option-position]");
  var price = document.getElementById("product-price");
  var compare = document.getElementById("product-compare");
  var stock = document.getElementById("product-stock");
  var button = document.getElementById("add-to-cart");
  var variantInput = document.getElementById("variant-id");
  var money = window.NorthwindCards.money;  // static/cards.js, loaded first

  function currentVariant() {
    var chosen = {};
    selects.forEach(function (select) {
      if (select.type === "radio" && !select.checked) { return; }
      chosen["option" + select.getAttribute("data-option-position")] = select.value;
    });
    return variants.find(function (variant) {
      return Object.keys(chosen).every(function (key) { return variant[key] === chosen[key]; });
    });
  }

  function update() {
    var variant = currentVariant();
    if (!variant) { return; }
    price.textContent = money(variant.price);
    if (variant.compare_at_price) {
      compare.hidden = false;
      compare.querySelector("s").textContent = money(variant.compare_at_price);
    } else {
      compare.hidden = true;
    }
    stock.textContent = variant.available ? "In stock, ready to ship" : "Sold out";
    stock.className = "stock " + (variant.available ? "in-stock" : "sold-out");
    button.disabled = !variant.available;
    button.textContent = variant.available ? "Add to cart" : "Sold out";
    variantInput.value = variant.id;
    var url = new URL(window.location.href);
    url.searchParams.set("variant", variant.id);
    history.replaceState(history.state, "", url);
  }

  selects.forEach(function (select) { select.addEventListener("change", update); });
})();
