/* Client-side routed collection: /spa, /spa/tops and /spa/accessories share one document.
   Links use history.pushState, Back/Forward are handled via popstate, and the grid is
   re-rendered from /products.json each time (replacing the previous cards). */
(function () {
  "use strict";

  var TITLES = { all: "All products", tops: "Tops", accessories: "Accessories" };
  var grid = document.getElementById("spa-grid");
  var title = document.getElementById("spa-title");
  var count = document.getElementById("spa-count");
  var links = document.querySelectorAll("a[data-spa-link]");
  var feed = null;
  var renderId = 0;

  function loadProducts() {
    if (!feed) {
      feed = fetch("/products.json?limit=250", { headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) { return data.products; });
      feed.catch(function () { feed = null; });  // allow a retry on the next navigation
    }
    return feed;
  }

  function categoryOf(pathname) {
    var match = /^\/spa\/(tops|accessories)\/?$/.exec(pathname);
    return match ? match[1] : "all";
  }

  function render(category) {
    var id = ++renderId;  // a slow response must not overwrite a newer navigation
    document.getElementById("spa-root").setAttribute("data-category", category);
    links.forEach(function (link) {
      if (categoryOf(link.pathname) === category) {
        link.setAttribute("aria-current", "page");
      } else {
        link.removeAttribute("aria-current");
      }
    });
    title.textContent = TITLES[category];
    document.title = TITLES[category] + " | Northwind Supply";
    grid.setAttribute("aria-busy", "true");

    loadProducts().then(function (products) {
      if (id !== renderId) { return; }
      var shown = products.filter(function (p) {
        return category === "all" || p.tags.indexOf(category) !== -1;
      });
      grid.replaceChildren.apply(grid, shown.map(window.NorthwindCards.card));
      count.textContent = shown.length + " products";
      grid.removeAttribute("aria-busy");
    }, function () {
      if (id !== renderId) { return; }
      var error = document.createElement("p");
      error.className = "load-status";
      error.textContent = "Could not load products. Please try again.";
      grid.replaceChildren(error);
      grid.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-spa-link]");
    if (!link || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    if (link.pathname !== window.location.pathname) {
      history.pushState({ category: categoryOf(link.pathname) }, "", link.href);
    }
    render(categoryOf(link.pathname));
  });

  window.addEventListener("popstate", function () {
    render(categoryOf(window.location.pathname));
  });

  render(categoryOf(window.location.pathname));
})();
