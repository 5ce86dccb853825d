// LTI Dynamic Registration: tell the LMS that registration is over (section 3.6).
(function () {
  function close() {
    var target = window.opener || (window.parent !== window ? window.parent : null);
    if (target) target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
  var button = document.getElementById("registration-close");
  if (button) button.addEventListener("click", close);
  close();
})();
