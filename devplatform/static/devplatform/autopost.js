document.getElementById("autopost").submit();
