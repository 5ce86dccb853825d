// Times in the reader's own zone where neither the LMS platform nor the operator chose one
// (<html data-zone="browser">): each <time data-when> was rendered in UTC by the server
// (courses/templatetags/ignite_text.py, `when`); rewrite it in the browser's zone, in the same
// format and with the zone named ("Dec 2, 2026, 07:45 CST"). Without JavaScript the UTC text,
// labelled, stays.
(function () {
  if (document.documentElement.getAttribute("data-zone") !== "browser") return;
  var format;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      month: "short", day: "numeric", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short"
    });
  } catch (e) {
    return;
  }

  function text(date) {
    var p = {};
    format.formatToParts(date).forEach(function (part) { p[part.type] = part.value; });
    return p.month + " " + p.day + ", " + p.year + ", " + p.hour + ":" + p.minute + " " + p.timeZoneName;
  }

  function rewrite() {
    var times = document.querySelectorAll("time[data-when]");
    for (var i = 0; i < times.length; i++) {
      var date = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(date.getTime())) times[i].textContent = text(date);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", rewrite);
  } else {
    rewrite();
  }
})();
