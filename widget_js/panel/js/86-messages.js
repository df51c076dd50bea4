/* Messages with the brand on each request, in My requests: a "Messages"
   button (with the unread count in words) opens the thread under the card,
   with a reply box. GET /v1/requests/<id>/messages marks the brand's
   messages read; POST answers the whole thread. Text is set with
   textContent only; line breaks are kept by CSS (white-space: pre-wrap).
   The reply box is kept per request across re-renders, so a refresh never
   drops what the influencer typed. */

var threads = {}; // request id -> {messages, open, closed}
var replyBoxes = {}; // request id -> its textarea

function messagesBox(request) {
  var id = request.id;
  var thread = threads[id] || { open: false, messages: null };
  var unread = thread.open ? 0 : request.unread_messages || 0;
  var toggle = h("button", {
    type: "button",
    class: "secondary small",
    id: "messages-" + id,
    "aria-expanded": thread.open ? "true" : "false",
    "aria-controls": "thread-" + id,
    "aria-describedby": "request-" + id,
    text: "Messages" + (unread ? " (" + unread + " unread)" : ""),
    onclick: function () {
      if (thread.open) {
        thread.open = false;
        renderMine();
        $("messages-" + id).focus();
      } else openThread(request);
    },
  });
  return h("div", { class: "messages" }, [
    h("div", { class: "request-actions" }, [toggle]),
    thread.open ? threadView(request, thread) : null,
  ]);
}

function openThread(request) {
  call("GET", "/v1/requests/" + encodeURIComponent(request.id) + "/messages").then(function (res) {
    if (!res.ok) return mineStatus(failureText(res, "Could not load the messages. Try again."));
    threads[request.id] = { open: true, messages: res.data.messages || [], closed: !res.data.open };
    request.unread_messages = 0;
    renderMine();
    $("thread-" + request.id).focus();
  });
}

function threadView(request, thread) {
  var id = request.id;
  var base = "thread-" + id;
  var items = thread.messages.map(function (m) {
    var mine = m.side === "influencer";
    return h("li", { class: "thread-message " + m.side }, [
      h("p", { class: "thread-meta" }, [
        h("strong", { text: mine ? "You" : state.brandName }),
        " ",
        h("time", { datetime: m.at, text: day(m.at) }),
      ]),
      h("p", { class: "thread-body", text: m.body }),
    ]);
  });
  var box = replyBoxes[id];
  if (!box) {
    box = replyBoxes[id] = h("textarea", { id: base + "-reply", rows: "3", maxlength: "2000" });
  }
  var form = thread.closed
    ? h("p", { class: "hint", text: "This request ended more than 30 days ago: its messages are closed." })
    : h("form", { class: "reply", novalidate: true }, [
        h("label", { for: base + "-reply", text: "Message to " + state.brandName }),
        box,
        h("p", { class: "field-error", id: base + "-error", role: "alert", hidden: true }),
        h("div", { class: "request-actions" }, [
          h("button", { type: "submit", class: "primary small", id: base + "-send", text: "Send message" }),
        ]),
      ]);
  if (!thread.closed) {
    box.setAttribute("aria-describedby", base + "-error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      sendMessage(request);
    });
  }
  return h("div", { class: "thread-box", id: base, tabindex: "-1", role: "region", "aria-label": "Messages with " + state.brandName }, [
    items.length
      ? h("ol", { class: "thread" }, items)
      : h("p", { class: "hint", text: "No messages yet. Ask " + state.brandName + " anything about this request." }),
    form,
  ]);
}

function sendMessage(request) {
  var base = "thread-" + request.id;
  var button = $(base + "-send");
  var error = $(base + "-error");
  var box = replyBoxes[request.id];
  if (button.getAttribute("aria-disabled") === "true") return;
  if (!box.value.trim()) {
    error.textContent = "Write a message.";
    error.hidden = false;
    box.setAttribute("aria-invalid", "true");
    return box.focus();
  }
  button.setAttribute("aria-disabled", "true");
  button.textContent = "Sending…";
  call("POST", "/v1/requests/" + encodeURIComponent(request.id) + "/messages", { brand: BRAND, body: box.value }).then(
    function (res) {
      button.removeAttribute("aria-disabled");
      button.textContent = "Send message";
      if (res.ok) {
        box.value = "";
        box.removeAttribute("aria-invalid");
        threads[request.id] = { open: true, messages: res.data.messages || [], closed: !res.data.open };
        renderMine();
        mineStatus("Message sent to " + state.brandName + ".");
        $(base + "-reply").focus();
        return;
      }
      var body = res.data.errors && res.data.errors.body;
      error.textContent = body ? [].concat(body).join(" ") : failureText(res, "Could not send your message. Try again.");
      error.hidden = false;
      box.setAttribute("aria-invalid", "true");
      box.focus();
    }
  );
}
