// The observation form: save the draft as the coach types (a pause in typing, or a rating
// chosen) to the JSON draft endpoint. Without JavaScript, "Save the draft" posts the form.
(function () {
  "use strict";
  var form = document.querySelector('[data-testid="observe-form"]');
  if (!form || !window.fetch || !window.FormData) return;
  var url = form.getAttribute("data-draft-url");
  var status = document.getElementById("draft-status");
  var timer = null;
  var busy = false;
  var again = false;
  var retryDelay = 2000;

  function say(text) {
    if (status) status.textContent = text;
  }

  function save() {
    if (busy) { again = true; return; }
    busy = true;
    var body = new FormData(form);
    body.delete("action");
    say("Saving…");
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    }).then(function (result) {
      busy = false;
      if (result.ok) {
        retryDelay = 2000;
        say("Draft saved " + (result.data.saved_text || "") + ".");
      } else if (result.status === 409) {
        say(result.data.error + " Reload the page.");
        return;
      } else {
        say("Not saved: " + (result.data.error || "please check the form") + ".");
      }
      if (again) { again = false; save(); }
    }).catch(function () {
      busy = false;
      say("Not saved yet: Ignite will try again. What you wrote is still on this page.");
      clearTimeout(timer);
      timer = setTimeout(save, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  function changed(event) {
    clearTimeout(timer);
    if (event.type === "input" && event.target.tagName === "TEXTAREA") {
      timer = setTimeout(save, 800); // wait for a pause in typing
    } else {
      save();
    }
  }

  form.addEventListener("change", changed);
  form.addEventListener("input", changed);
  window.addEventListener("online", save);
})();
