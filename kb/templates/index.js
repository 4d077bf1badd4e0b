/* The index's search over every leaflet's claims and every work. Its data (the JSON block) is
   read on the first search, not when the page opens; results go into the page as text, and
   their links lead to the report's own pages only. */
(function () {
  "use strict";
  var SHOWN = 50;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var results = document.getElementById("search-results");
  var claimList = document.getElementById("search-claims");
  var workList = document.getElementById("search-works");
  var ui = JSON.parse(form.getAttribute("data-ui"));
  var documents = Array.prototype.map.call(document.querySelectorAll("#leaflets tr[data-document]"), function (row) {
    var link = row.querySelector("a");
    return { title: link.textContent, href: link.getAttribute("href") };
  });
  var data = null;

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }

  function load() {
    var raw = JSON.parse(document.getElementById("kb-search").textContent);
    data = {
      claims: raw.claims.map(function (c) { return { c: c, hay: fold(c[1] + "\n" + c[3]) }; }),
      works: raw.works.map(function (w) { return { w: w, hay: fold(w[0] + "\n" + w[1]) }; })
    };
  }

  function item(text, href, where) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    li.appendChild(a);
    if (where) {
      var span = document.createElement("span");
      span.className = "where";
      span.textContent = " · " + where;
      li.appendChild(span);
    }
    return li;
  }

  function search() {
    var terms = fold(input.value).split(/\s+/).filter(Boolean);
    if (!terms.length) {
      results.hidden = true;
      status.textContent = "";
      return;
    }
    if (data === null) load();
    function matches(entry) {
      return terms.every(function (term) { return entry.hay.indexOf(term) >= 0; });
    }
    var claims = data.claims.filter(matches);
    var works = data.works.filter(matches);
    var foundClaims = document.createDocumentFragment();
    claims.slice(0, SHOWN).forEach(function (entry) {
      var c = entry.c;
      var doc = documents[c[0]];
      foundClaims.appendChild(item(c[3], doc.href + "#claim-" + encodeURIComponent(c[1]),
                                   doc.title + ", " + ui.claim + " " + c[2] + " (" + ui.labels[c[4]] + ")"));
    });
    var foundWorks = document.createDocumentFragment();
    works.slice(0, SHOWN).forEach(function (entry) {
      var w = entry.w;
      foundWorks.appendChild(item(w[0], "report/works/" + encodeURIComponent(w[2].split("/").pop()) + "#work-" +
                                  encodeURIComponent(w[0]), w[1]));
    });
    claimList.replaceChildren(foundClaims);
    workList.replaceChildren(foundWorks);
    results.hidden = false;
    var more = claims.length > SHOWN || works.length > SHOWN ? " " + fmt(ui.more, { n: SHOWN }) : "";
    status.textContent = fmt(ui.status, { claims: claims.length, works: works.length }) + more;
  }

  var timer = 0;
  form.addEventListener("submit", function (event) { event.preventDefault(); search(); });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  form.hidden = false;
})();
