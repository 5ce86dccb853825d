// The mastery check page: save each answer as it is chosen, and ask before submitting with
// questions unanswered. Without JavaScript the page still works: "Save answers" posts the form
// and the server asks the same question on submit.
(function () {
  "use strict";
  var form = document.querySelector('[data-testid="mastery-form"]');
  if (!form || !window.fetch || !window.FormData) return;
  var url = form.getAttribute("data-answers-url");
  var status = document.getElementById("save-status");
  var confirmBox = document.getElementById("unanswered-js");
  var pending = {}; // question id -> true while its latest value is not yet saved
  var retryDelay = 2000;
  var retryTimer = null;
  var typingTimers = {};

  function fieldsets() {
    return Array.prototype.slice.call(form.querySelectorAll('[data-testid="question"]'));
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function launchToken() {
    var field = form.querySelector('input[type="hidden"][name="lt"]');
    return field ? field.value : "";
  }

  function save() {
    var ids = Object.keys(pending);
    if (!ids.length) return;
    var body = new FormData();
    body.append("lt", launchToken());
    ids.forEach(function (id) {
      var box = form.querySelector('[data-testid="question"][data-question="' + CSS.escape(id) + '"]');
      if (!box) return;
      body.append("changed", id);
      box.querySelectorAll("input, select").forEach(function (input) {
        if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
        if (input.value !== "") body.append(input.name, input.value);
      });
    });
    ids.forEach(function (id) { delete pending[id]; });
    say("Saving…");
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (response.status === 409) {
        say("This attempt was already submitted (perhaps in another tab). Reload the page to see the result.");
        return;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      retryDelay = 2000;
      say("Your answers are saved.");
      if (Object.keys(pending).length) save();
    }).catch(function () {
      // A network blip: keep the answers to send again. Nothing is lost either way, because
      // submitting posts the whole form.
      ids.forEach(function (id) { pending[id] = true; });
      say("Not saved yet: Ignite will try again. Your answers are still on this page.");
      clearTimeout(retryTimer);
      retryTimer = setTimeout(save, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  function changed(event) {
    var box = event.target.closest('[data-testid="question"]');
    if (!box) return;
    var id = box.getAttribute("data-question");
    pending[id] = true;
    clearTimeout(typingTimers[id]);
    if (event.type === "input" && event.target.type === "text") {
      typingTimers[id] = setTimeout(save, 600); // wait for a pause in typing
    } else {
      save();
    }
  }

  // Another tab may have saved answers since this page loaded: when this tab comes back
  // into view, show what the server holds for every question not being changed here.
  function refresh() {
    if (document.visibilityState !== "visible") return;
    fetch(url + "?lt=" + encodeURIComponent(launchToken()), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data || !data.answers) return;
      fieldsets().forEach(function (box) {
        if (pending[box.getAttribute("data-question")]) return;
        box.querySelectorAll("input, select").forEach(function (input) {
          var values = data.answers[input.name] || [];
          if (input.type === "radio" || input.type === "checkbox") {
            input.checked = values.indexOf(input.value) !== -1;
          } else {
            input.value = values.length ? values[0] : "";
          }
        });
      });
    }).catch(function () { /* offline: keep what the page shows */ });
  }
  document.addEventListener("visibilitychange", refresh);

  form.addEventListener("change", changed);
  form.addEventListener("input", changed);
  window.addEventListener("online", save);

  function answered(box) {
    var inputs = Array.prototype.slice.call(box.querySelectorAll("input, select"));
    var type = box.getAttribute("data-type");
    if (type === "ordering") {
      return inputs.length > 0 && inputs.every(function (s) { return s.value !== ""; });
    }
    if (type === "numeric") return inputs.some(function (i) { return i.value.trim() !== ""; });
    return inputs.some(function (i) { return i.checked; });
  }

  function hideConfirm() {
    confirmBox.hidden = true;
    confirmBox.textContent = "";
  }

  function button(text, testid, secondary) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.setAttribute("data-testid", testid);
    if (secondary) b.className = "secondary";
    return b;
  }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && (submitter.hasAttribute("formaction") || submitter.name === "confirm")) return;
    var boxes = fieldsets();
    var missing = boxes.filter(function (box) { return !answered(box); });
    if (!missing.length) return;
    event.preventDefault();
    confirmBox.textContent = "";
    var text = document.createElement("p");
    var strong = document.createElement("strong");
    text.appendChild(strong);
    if (missing.length === boxes.length) {
      strong.textContent = "You have not answered any question yet.";
      text.appendChild(document.createTextNode(" Nothing was sent, and no attempt was used. Answer the questions, then submit."));
      confirmBox.appendChild(text);
    } else {
      strong.textContent = missing.length + " of " + boxes.length + " unanswered: submit anyway?";
      var numbers = missing.map(function (box) { return box.getAttribute("data-number"); });
      text.appendChild(document.createTextNode(" Unanswered questions score nothing. Not answered yet: question " + numbers.join(", ") + "."));
      confirmBox.appendChild(text);
      var actions = document.createElement("div");
      actions.className = "actions";
      var anyway = button("Submit anyway", "mastery-submit-anyway", false);
      var back = button("Keep answering", "mastery-keep-answering", true);
      anyway.addEventListener("click", function () {
        var flag = document.createElement("input");
        flag.type = "hidden";
        flag.name = "confirm";
        flag.value = "unanswered";
        form.appendChild(flag);
        form.submit();
      });
      back.addEventListener("click", function () {
        hideConfirm();
        var first = missing[0].querySelector("input, select");
        if (first) first.focus();
      });
      actions.appendChild(anyway);
      actions.appendChild(back);
      confirmBox.appendChild(actions);
    }
    confirmBox.hidden = false;
    confirmBox.setAttribute("tabindex", "-1");
    confirmBox.focus();
  });

  var serverBox = document.getElementById("incomplete");
  if (serverBox) serverBox.focus();
})();
