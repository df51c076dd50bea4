/* The collaboration after approval, in My requests: where the parcel is
   (carrier, tracking number, the carrier's page), when the content is due
   (and that it is overdue), what the brand asked to change, and a compact
   timeline. The API names sides ("you", "the brand", "the store"), never
   people: a link token may be replayed by anyone who read it. */

var EVENT_WORDS = {
  submitted: "Request sent",
  approved: "Approved",
  denied: "Declined",
  expired: "Expired",
  withdrawn: "Withdrawn",
  order_created: "Order placed",
  shipped: "Shipped",
  delivered: "Delivered",
  content_submitted: "Content sent",
  changes_requested: "Changes asked for",
  completed: "Completed",
  cancelled: "Cancelled",
  emailed: "Email sent to you",
  message: "Message",
  rated: "Rated",
};

/* Only http(s) addresses become links: the carrier's page opens without
   telling it where the influencer came from. */
function safeHref(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}

function collaboration(request) {
  var parts = [];
  if (request.carrier || request.tracking_number) {
    var href = safeHref(request.tracking_url);
    parts.push(
      h("p", { class: "tracking" }, [
        h("strong", { text: "Tracking: " }),
        [request.carrier, request.tracking_number].filter(Boolean).join(" · "),
        href ? " · " : null,
        href
          ? h("a", {
              href: href,
              target: "_blank",
              rel: "noopener noreferrer",
              text: "Track the parcel",
              "aria-label": "Track the parcel (opens the carrier's page)",
            })
          : null,
      ])
    );
  }
  if (request.status === "delivered" && request.content_due_at) {
    parts.push(
      h("p", { class: "due" + (request.content_overdue ? " overdue" : "") }, [
        h("strong", { text: "Content due: " }),
        day(request.content_due_at),
        request.content_overdue ? h("span", { class: "badge status-overdue", text: "Overdue" }) : null,
      ])
    );
  }
  if (request.status === "delivered" && request.changes_note) {
    parts.push(
      h("p", { class: "request-reason" }, [h("strong", { text: state.brandName + " asked: " }), request.changes_note])
    );
  }
  if (request.status === "content_submitted" || request.status === "completed") {
    parts.push(sentContent(request));
  }
  return parts.length ? h("div", { class: "collab" }, parts) : null;
}

function sentContent(request) {
  var urls = request.content_urls || [];
  var shots = request.screenshot_count || 0;
  var links = urls
    .filter(function (url) {
      return safeHref(url);
    })
    .map(function (url) {
      return h("li", {}, [h("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url })]);
    });
  var words = [];
  if (urls.length) words.push(plural(urls.length, "link", "links"));
  if (shots) words.push(plural(shots, "screenshot", "screenshots"));
  return h("div", { class: "sent-content" }, [
    h("p", { text: "You sent " + (words.join(" and ") || "your content") + "." }),
    links.length ? h("ul", { class: "content-links" }, links) : null,
  ]);
}

function timeline(request) {
  var events = request.timeline || [];
  if (!events.length) return null;
  var headingId = "timeline-" + request.id;
  return h("div", { class: "timeline-box" }, [
    // A label, not a heading: each card has one heading, its status (tests and screen readers rely on it).
    h("p", { id: headingId, class: "timeline-heading", text: "Timeline" }),
    h(
      "ol",
      { class: "timeline", "aria-labelledby": headingId },
      events.map(function (event) {
        var by = event.by === "the brand" ? state.brandName : event.by;
        return h("li", {}, [
          h("time", { datetime: event.at, text: day(event.at) }),
          " ",
          EVENT_WORDS[event.kind] || event.kind.replace(/_/g, " "),
          by ? " by " + by : "",
          // A note the card already shows (the denial's reason, the change asked for now) is not repeated.
          event.note && event.note !== request.reason && event.note !== request.changes_note
            ? h("q", { text: event.note })
            : null,
        ]);
      })
    ),
  ]);
}
