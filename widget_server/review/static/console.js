/* The console's only script, served as a file so the pages' CSP needs no
   inline script; every page works without it.

   Copy buttons: [data-copy="<id of the field to copy>"]. A button may start
   hidden (the field stays selectable without script); the result is said in
   [data-copied-for="<id>"] when the page has one, else on the button. */
(function () {
  "use strict";

  // On the page's status line for the field if it has one, else on the button for a moment.
  function say(button, id, text) {
    var status = document.querySelector('[data-copied-for="' + id + '"]');
    if (status) {
      status.textContent = text;
      return;
    }
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = text;
    setTimeout(function () { button.textContent = label; }, 2000);
  }

  function copy(button) {
    var id = button.getAttribute("data-copy");
    var field = document.getElementById(id);
    if (!field) return;
    var text = field.value !== undefined ? field.value : field.textContent;
    var done = function () { say(button, id, "Copied"); };
    var manual = function () { say(button, id, "Press Ctrl+C (or ⌘C) to copy the selected text"); };
    if (field.select) {
      field.focus();
      field.select();
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, manual);
    } else {
      try {
        if (document.execCommand("copy")) done(); else manual();
      } catch (err) {
        manual();
      }
    }
  }

  document.querySelectorAll("button[data-copy][hidden]").forEach(function (button) {
    button.hidden = false;
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (button) copy(button);
  });
})();

/* "Sync now" takes as long as the store's feed: say so, and keep it from being sent twice. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-sync-form")) return;
    var button = form.querySelector("button[data-busy-label]");
    if (!button) return;
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("aria-busy", "true");
    button.textContent = button.getAttribute("data-busy-label");
    var note = form.querySelector("[data-sync-note]");
    if (note) note.textContent = "Reading the catalog from your store…";
  });
})();
