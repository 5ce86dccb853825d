// LTI Client Side postMessage storage (1EdTech lti-cs-oidc / lti-pm-s): keeps the login state
// in the platform's window when the browser blocks cookies in the LMS frame. Mode "check" (no
// platform storage): go on to the platform only if this frame kept the login-state cookie, and
// otherwise offer the new window before the platform is asked.
(function () {
  var el = document.getElementById("lti-storage");
  if (!el) return;
  var data = el.dataset;
  var opener = window.parent !== window ? window.parent : window.opener;

  function storageFrame() {
    if (!opener) return null;
    if (data.target === "_parent") return opener;
    try { return opener.frames[data.target] || null; } catch (e) { return null; }
  }

  function ask(subject, payload, done) {
    var frame = storageFrame();
    if (!frame) { done(null); return; }
    var id = "ignite-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
    var finished = false;
    function onMessage(event) {
      // Answers count only from the platform's origin, for this question.
      if (event.origin !== data.platformOrigin) return;
      var answer = event.data;
      if (!answer || answer.message_id !== id || answer.subject !== subject + ".response") return;
      finished = true;
      window.removeEventListener("message", onMessage);
      done(answer.error ? null : answer);
    }
    window.addEventListener("message", onMessage);
    var message = { subject: subject, message_id: id };
    for (var k in payload) message[k] = payload[k];
    frame.postMessage(message, data.platformOrigin);
    setTimeout(function () {
      if (!finished) { window.removeEventListener("message", onMessage); done(null); }
    }, 3000);
  }

  // Did the login-state cookie (partitioned) come back to Ignite from this frame?
  function cookieKept(done) {
    if (!navigator.cookieEnabled || !data.check || !window.fetch) { done(false); return; }
    fetch(data.check, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : { kept: false }; })
      .then(function (answer) { done(answer.kept === true); })
      .catch(function () { done(false); });
  }

  function showFallback() {
    var fallback = document.getElementById("storage-fallback");
    var waiting = document.getElementById("storage-waiting");
    if (waiting) waiting.hidden = true;
    if (fallback) fallback.hidden = false;
  }

  if (data.mode === "put") {
    ask("lti.put_data", { key: data.key, value: data.value }, function (answer) {
      if (answer) { window.location.replace(data.redirect); return; }
      cookieKept(function (kept) {
        if (kept) window.location.replace(data.redirect);
        else showFallback();
      });
    });
  } else if (data.mode === "get") {
    ask("lti.get_data", { key: data.key }, function (answer) {
      // Found or not, the launch goes back to Ignite: a missing state is refused (and logged)
      // by the server like every other refusal.
      var form = document.getElementById("storage-launch");
      if (!form) return;
      if (answer && typeof answer.value === "string") {
        form.elements.ignite_platform_state.value = answer.value;
      }
      form.submit();
    });
  } else if (data.mode === "check") {
    cookieKept(function (kept) {
      if (kept) window.location.replace(data.redirect);
      else showFallback();
    });
  }
})();
