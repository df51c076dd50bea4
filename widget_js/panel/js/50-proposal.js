/* The proposal: what the influencer will create, where, when, their message
   and links. Its fields are the bag's `draft`: restored on every open, and
   sent to the overlay on every change (typing after a pause). */

function checkbox(name, value, label, detail) {
  var id = name + "-" + value;
  return h("div", { class: "chip" }, [
    h("input", { type: "checkbox", id: id, name: name, value: value }),
    h("label", { for: id }, [
      h("span", { text: label }),
      detail ? h("span", { class: "chip-detail", text: detail }) : null,
    ]),
  ]);
}

function checkedValues(name) {
  return [].map.call(D.querySelectorAll('input[name="' + name + '"]:checked'), function (input) {
    return input.value;
  });
}

function setChecked(name, values) {
  [].forEach.call(D.querySelectorAll('input[name="' + name + '"]'), function (input) {
    input.checked = values.indexOf(input.value) >= 0;
  });
}

function setupProposal() {
  var types = $("content-types");
  types.replaceChildren.apply(
    types,
    CONTENT_TYPES.map(function (pair) {
      return checkbox("content-type", pair[0], pair[1]);
    })
  );
  renderPlatforms([]);
  var today = new Date();
  $("publish-on").min = isoDate(today);
  $("publish-on").max = isoDate(new Date(today.getTime() + 365 * 86400000));
  setLinks([]);
}

/* One chip per platform on the influencer's profile; `checked` stay checked. */
function renderPlatforms(checked) {
  var box = $("platforms");
  var seen = {};
  var chips = [];
  state.profile.handles.forEach(function (handle) {
    if (seen[handle.platform]) return;
    seen[handle.platform] = true;
    var detail = "@" + handle.handle + (handle.followers != null ? " · " + compact(handle.followers) : "");
    chips.push(checkbox("platform", handle.platform, platformName(handle.platform), detail));
  });
  box.replaceChildren.apply(box, chips);
  setChecked("platform", checked);
  renderAccountOffer();
}

function linkInputs() {
  return [].slice.call(D.querySelectorAll("#links input"));
}

function addLink(value) {
  var box = $("links");
  var n = box.children.length;
  if (n >= MAX_LINKS) return null;
  var id = "link-" + n;
  var path = "proposal.links." + n;
  var row = h("div", { class: "link-row" }, [
    h("label", { for: id, class: "visually-hidden", text: "Link " + (n + 1) }),
    h("input", { type: "url", id: id, inputmode: "url", placeholder: "https://", "data-path": path }),
    h("p", { class: "field-error", "data-error-for": path, hidden: true }),
  ]);
  row.querySelector("input").value = value || "";
  box.appendChild(row);
  $("add-link").hidden = n + 1 >= MAX_LINKS;
  return row.querySelector("input");
}

function setLinks(links) {
  $("links").replaceChildren();
  var values = links.length ? links.slice(0, MAX_LINKS) : [""];
  values.forEach(addLink);
}

function readDraft() {
  return {
    content_types: checkedValues("content-type"),
    platforms: checkedValues("platform"),
    publish_on: $("publish-on").value,
    message: $("message").value,
    links: linkInputs()
      .map(function (input) {
        return input.value.trim();
      })
      .filter(Boolean),
  };
}

function strings(value) {
  return Array.isArray(value)
    ? value.filter(function (v) {
        return typeof v === "string";
      })
    : [];
}

/* Show a stored draft. A field the influencer is typing in keeps what they
   typed and has not sent yet (a message from the overlay may be older than
   their last keys). */
function applyDraft(draft) {
  var typing = syncTimer !== null ? D.activeElement : null;
  setChecked("content-type", strings(draft.content_types));
  var platforms = strings(draft.platforms);
  // One account: it is where they publish, unless they said otherwise.
  if (!platforms.length && !draft.platforms && state.profile.handles.length === 1) {
    platforms = [state.profile.handles[0].platform];
  }
  setChecked("platform", platforms);
  if (typing !== $("publish-on")) $("publish-on").value = typeof draft.publish_on === "string" ? draft.publish_on : "";
  if (typing !== $("message")) $("message").value = typeof draft.message === "string" ? draft.message : "";
  countMessage();
  var links = strings(draft.links);
  var current = readDraft().links;
  if (!same(links, current) && linkInputs().indexOf(typing) < 0) setLinks(links);
}

function countMessage() {
  $("message-count").textContent = $("message").value.length + " / 2000";
}

/* A new request starts with a fresh proposal; where they publish stays. */
function freshDraft() {
  return { content_types: [], platforms: checkedValues("platform"), publish_on: "", message: "", links: [] };
}
