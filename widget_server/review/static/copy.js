/* "Copy link" buttons of the console: progressive (the field stays selectable
   without script), served as a file so the pages' CSP needs no inline script. */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  if (!buttons.length) return;

  function say(id, text) {
    var status = document.querySelector('[data-copied-for="' + id + '"]');
    if (status) status.textContent = text;
  }

  function copy(button) {
    var id = button.getAttribute("data-copy");
    var field = document.getElementById(id);
    if (!field) return;
    field.focus();
    field.select();
    var done = function () { say(id, "Link copied."); };
    var manual = function () { say(id, "Press Ctrl+C (or ⌘C) to copy the selected link."); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(done, manual);
    } else {
      try {
        if (document.execCommand("copy")) done(); else manual();
      } catch (err) {
        manual();
      }
    }
  }

  buttons.forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });
})();
