/* Infinite scroll: when the sentinel below the grid nears the viewport, fetch the next page of
   /products.json and append its cards, until the feed returns an empty page. */
(function () {
  "use strict";

  var grid = document.getElementById("infinite-grid");
  var sentinel = document.getElementById("infinite-sentinel");
  var status = document.getElementById("infinite-status");
  var pageSize = Number(grid.getAttribute("data-page-size"));
  var nextPage = Number(grid.getAttribute("data-next-page"));
  var loading = false;
  var done = false;

  function finish() {
    done = true;
    observer.disconnect();
    grid.setAttribute("data-complete", "true");
    status.textContent = "You've seen everything. Check back soon for new arrivals.";
  }

  function loadMore() {
    if (loading || done) { return; }
    loading = true;
    status.textContent = "Loading more…";
    fetch("/products.json?limit=" + pageSize + "&page=" + nextPage)
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (!data.products.length) { finish(); return; }
        data.products.forEach(function (product) {
          grid.appendChild(window.NorthwindCards.card(product));
        });
        grid.setAttribute("data-next-page", String(++nextPage));
        status.textContent = "";
        if (data.products.length < pageSize) { finish(); }
      })
      .catch(function () {
        status.textContent = "Could not load more products. Scroll to retry.";
      })
      .then(function () {
        loading = false;
        if (!done) {
          // Re-observing fires the callback again if the sentinel is still in view (e.g. a
          // tall window), which a plain observer would not do without another scroll.
          observer.unobserve(sentinel);
          observer.observe(sentinel);
        }
      });
  }

  var observer = new IntersectionObserver(function (entries) {
    if (entries.some(function (entry) { return entry.isIntersecting; })) { loadMore(); }
  }, { rootMargin: "0px 0px 100px 0px" });
  observer.observe(sentinel);
})();
