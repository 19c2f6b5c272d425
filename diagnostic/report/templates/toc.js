(function () {
  var heads = Array.prototype.filter.call(document.querySelectorAll("main h2, main h3"), function (h) {
    return h.tagName === "H2" || /^\d+\.\d+\s/.test(h.textContent.trim());
  });
  var header = document.querySelector(".dg-header");
  if (!heads.length || !header) { return; }
  var nav = document.createElement("nav");
  nav.className = "dg-toc";
  nav.setAttribute("aria-label", "Sommaire");
  var html = "<strong>Sommaire</strong><ul>";
  heads.forEach(function (h, i) {
    if (!h.id) { h.id = "partie-" + (i + 1); }
    var text = h.textContent.replace(/\u00b6/g, "").trim().replace(/&/g, "&amp;").replace(/</g, "&lt;");
    var cls = h.tagName === "H3" ? ' class="dg-toc-sub"' : "";
    html += "<li" + cls + '><a href="#' + h.id + '">' + text + "</a></li>";
  });
  nav.innerHTML = html + "</ul>";
  header.appendChild(nav);
})();
