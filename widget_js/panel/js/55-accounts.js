/* "Add a social account": an influencer with no account on file (or one
   more to add) states it here; it is kept on their profile, marked as
   stated by them, and appears checked under "Where will you publish?". */

function setupAccounts() {
  var select = $("account-platform");
  select.replaceChildren.apply(
    select,
    [h("option", { value: "", text: "Choose a platform" })].concat(
      PLATFORMS.map(function (pair) {
        return h("option", { value: pair[0], text: pair[1] });
      })
    )
  );
  $("account-note").textContent =
    state.brandName + " sees the follower count as stated by you, with the date you added it.";
}

/* No account: the form is open and required. Some: one button opens it. */
function renderAccountOffer() {
  var none = !state.profile.handles.length;
  $("no-accounts").hidden = !none;
  $("account-cancel").hidden = none;
  if (none) $("account-form").hidden = false;
  $("account-open").hidden = none || !$("account-form").hidden;
}

function openAccountForm() {
  $("account-form").hidden = false;
  $("account-open").hidden = true;
  $("account-platform").focus();
}

function closeAccountForm(focusAfter) {
  resetAccountForm();
  $("account-form").hidden = true;
  $("account-open").hidden = false;
  if (focusAfter) focusAfter.focus();
}

function resetAccountForm() {
  ["account-platform", "account-handle", "account-followers"].forEach(function (id) {
    $(id).value = "";
  });
  clearErrors($("account-form"));
  $("account-status").textContent = "";
}

/* Followers as people write them: 48200, 48,200, 48.200, 12.5k, 1.2M. */
function parseFollowers(text) {
  var t = String(text).trim().toLowerCase().replace(/[\s_']/g, "");
  if (/^\d{1,3}([.,]\d{3})+$/.test(t)) t = t.replace(/[.,]/g, "");
  t = t.replace(/,/g, ".");
  var m = /^(\d+(?:\.\d+)?)([km]?)$/.exec(t);
  if (!m) return null;
  return Math.round(Number(m[1]) * (m[2] === "k" ? 1e3 : m[2] === "m" ? 1e6 : 1));
}

function accountInput() {
  return {
    platform: $("account-platform").value,
    handle: $("account-handle").value.trim().replace(/^@+/, ""),
    followers: parseFollowers($("account-followers").value),
  };
}

function accountErrors() {
  var input = accountInput();
  var errors = {};
  if (!input.platform) errors["account.platform"] = ["Choose the platform."];
  if (!input.handle) errors["account.handle"] = ["Enter your handle on it."];
  else if (input.handle.length > 100) errors["account.handle"] = ["Use at most 100 characters."];
  if (input.followers === null) errors["account.followers"] = ["Enter a number, like 12,500 or 12.5k."];
  return errors;
}

function showAccountErrors(errors) {
  var first = null;
  Object.keys(errors).forEach(function (path) {
    setError(path, errors[path]);
    first = first || fieldFor(path);
  });
  if (first) first.focus();
}

function addAccount() {
  clearErrors($("account-form"));
  $("account-status").textContent = "";
  var errors = accountErrors();
  if (Object.keys(errors).length) return showAccountErrors(errors);
  var input = accountInput();
  var button = $("account-add");
  button.setAttribute("aria-disabled", "true");
  call("POST", "/v1/panel/handles", {
    brand: BRAND,
    platform: input.platform,
    handle: input.handle,
    followers: input.followers,
  }).then(function (res) {
    button.removeAttribute("aria-disabled");
    if (res.ok && Array.isArray(res.data.handles)) return accountAdded(input, res.data.handles);
    var placed = {};
    var other = [];
    var flat = flatten(res.data.errors || {}, "", {});
    Object.keys(flat).forEach(function (path) {
      var key = path.split(".")[0];
      var messages = [].concat(flat[path]);
      if (["platform", "handle", "followers"].indexOf(key) >= 0) placed["account." + key] = messages;
      else other = other.concat(messages);
    });
    if (Object.keys(placed).length) showAccountErrors(placed);
    if (other.length || !Object.keys(placed).length) {
      $("account-status").textContent = other.length
        ? other.join(" ")
        : failureText(res, "Could not add the account. Try again.");
    }
  });
}

function accountAdded(input, handles) {
  state.profile.handles = handles;
  var checked = checkedValues("platform");
  checked.push(input.platform);
  renderPlatforms(checked);
  closeAccountForm($("platform-" + input.platform));
  $("account-status").textContent = "Added " + platformName(input.platform) + " @" + input.handle + ".";
  sendBag();
  recheck("proposal.platforms");
}

/* Enter in the account's fields adds the account (it must not send the request). */
function onAccountKey(event) {
  if (event.key === "Enter" && event.target.tagName !== "BUTTON") {
    event.preventDefault();
    addAccount();
  } else if ((event.key === "Escape" || event.key === "Esc") && state.profile.handles.length) {
    event.preventDefault();
    event.stopPropagation();
    closeAccountForm($("account-open"));
  }
}
