/* Builds product cards in the browser with exactly the markup of the server-rendered ones
   (templates/_macros.html):
   <div class="card"><a href="/products/H"><img src="..." alt="T"></a>
     <h3><a href="/products/H">T</a></h3><p class="price">$49.00</p></div>
   DOM APIs only (createElement/textContent), so titles can never inject markup. */
(function () {
  "use strict";

  function money(amount) {
    var parts = String(amount).split(".");
    var whole = Number(parts[0]).toLocaleString("en-US");
    return "$" + whole + "." + ((parts[1] || "") + "00").slice(0, 2);
  }

  function fromPrice(product) {
    var prices = product.variants.map(function (v) { return v.price; });
    prices.sort(function (a, b) { return Number(a) - Number(b); });
    return prices[0];
  }

  function productLink(product) {
    var a = document.createElement("a");
    a.href = "/products/" + encodeURIComponent(product.handle);
    return a;
  }

  function card(product) {
    var div = document.createElement("div");
    div.className = "card";

    var imageLink = productLink(product);
    if (product.images && product.images.length) {
      var img = document.createElement("img");
      img.src = product.images[0].src;
      img.alt = product.title;
      img.loading = "lazy"; // cards added by scrolling are below the fold
      imageLink.appendChild(img);
    } else {
      var placeholder = document.createElement("div");
      placeholder.className = "card-placeholder";
      placeholder.setAttribute("role", "img");
      placeholder.setAttribute("aria-label", product.title);
      var label = document.createElement("span");
      label.textContent = "Image coming soon";
      placeholder.appendChild(label);
      imageLink.appendChild(placeholder);
    }
    div.appendChild(imageLink);

    var h3 = document.createElement("h3");
    var titleLink = productLink(product);
    titleLink.textContent = product.title;
    h3.appendChild(titleLink);
    div.appendChild(h3);

    var price = document.createElement("p");
    price.className = "price";
    price.textContent = money(fromPrice(product));
    div.appendChild(price);
    return div;
  }

  window.NorthwindCards = { card: card, money: money };
})();
