/* The panel's views and the dialog's keyboard rules: one view at a time,
   focus moved to its heading, Tab kept inside, Escape closes. */

var HEADINGS = {
  bag: "bag-heading",
  sent: "sent-heading",
  mine: "mine-heading",
  limit: "limit-heading",
  diagnostics: "diagnostics-heading",
};

function show(name, keepFocus) {
  state.view = name;
  Object.keys(HEADINGS).forEach(function (v) {
    $("view-" + v).hidden = v !== name;
  });
  var tabView = name === "sent" ? "bag" : name;
  [].forEach.call(D.querySelectorAll(".tab"), function (tab) {
    tab.setAttribute("aria-current", tab.getAttribute("data-view") === tabView ? "page" : "false");
  });
  if (name === "mine") {
    mineStatus("");
    refreshMine();
  }
  if (!keepFocus) $(HEADINGS[name]).focus();
}

function focusables() {
  return [].filter.call(
    D.querySelectorAll("button, input, select, textarea, a[href], [tabindex]:not([tabindex='-1'])"),
    function (el) {
      return !el.disabled && el.getClientRects().length > 0;
    }
  );
}

function onKey(event) {
  if (PAGE) return; // a page of its own: the browser's keys, no dialog to keep focus in
  if (event.key === "Escape" || event.key === "Esc") {
    event.preventDefault();
    closePanel();
    return;
  }
  if (event.key !== "Tab") return;
  var all = focusables();
  if (!all.length) return;
  var first = all[0];
  var last = all[all.length - 1];
  var active = D.activeElement;
  // Only the ends wrap; from a focused heading the browser's order is right.
  var nowhere = !active || active === D.body;
  if (event.shiftKey && (active === first || nowhere)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (active === last || nowhere)) {
    event.preventDefault();
    first.focus();
  }
}
