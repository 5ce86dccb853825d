// The platform side of LTI Dynamic Registration's end: the tool posts org.imsglobal.lti.close.
(function () {
  var frame = document.querySelector('[data-testid="registration-frame"]');
  var status = document.querySelector('[data-testid="dev-registration-status"]');
  if (!frame || !status) return;
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow) return;
    if (!event.data || event.data.subject !== "org.imsglobal.lti.close") return;
    status.dataset.closed = "true";
    status.textContent = "The tool finished registering and asked to close.";
    frame.hidden = true;
  });
})();
