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

  // The data's texts are numbers of words (kb/pages.py search_data): a leaflet's claims of its
  // own words, the works of theirs. Read here once.
  function load() {
    var raw = JSON.parse(document.getElementById("kb-search").textContent);
    var folded = raw.words.map(fold);
    function spelled(codes, words) {
      return codes ? codes.split(" ").map(function (code) { return words[parseInt(code, 36)]; }).join(" ") : "";
    }
    data = { claims: [], works: [], words: raw.words, spelled: spelled };
    raw.claims.forEach(function (rows, doc) {
      var words = raw.claim_words[doc];
      var foldedHere = words.map(fold);
      var previous = "";
      rows.forEach(function (row, i) {
        var id = previous.slice(0, row[0]) + row[1];
        previous = id;
        data.claims.push({ doc: doc, id: id, number: i + 1, label: raw.labels[Math.floor(row[2] / 10)],
                           codes: row[3], words: words, hay: fold(id) + "\n" + spelled(row[3], foldedHere) });
      });
    });
    raw.works.forEach(function (work) {
      data.works.push({ key: work[0], codes: work[1], page: work[2], hay: fold(work[0]) + "\n" + spelled(work[1], folded) });
    });
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
    claims.slice(0, SHOWN).forEach(function (claim) {
      var doc = documents[claim.doc];
      foundClaims.appendChild(item(data.spelled(claim.codes, claim.words), doc.href + "#claim-" + encodeURIComponent(claim.id),
                                   doc.title + ", " + ui.claim + " " + claim.number + " (" + ui.labels[claim.label] + ")"));
    });
    var foundWorks = document.createDocumentFragment();
    works.slice(0, SHOWN).forEach(function (work) {
      // a works page is named by hex digits (kb/pages.py works_pages): nothing else becomes part of a link
      var page = /^[0-9a-f]+$/.test(work.page) ? work.page : "";
      foundWorks.appendChild(item(work.key, "report/works/" + page + ".html#work-" + encodeURIComponent(work.key),
                                  data.spelled(work.codes, data.words)));
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
