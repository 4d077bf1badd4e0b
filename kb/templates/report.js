/* The interactive evidence report: filters with counts, the claim panel, gap-map links and
   claim links in the URL fragment. Data comes from the JSON block; every value from the
   knowledge base goes into the page as text (textContent), never as HTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kb-data").textContent);
  var t = data.t;
  var ui = t.browser;
  var claims = data.claims;
  var claimById = new Map();
  var workByKey = new Map();
  var LABELS = Object.keys(t.labels);
  var FITS = Object.keys(t.fits).concat([""]);
  var LEVELS = Object.keys(t.levels);
  var CERTAINTIES = Object.keys(t.certainties);

  function fold(text) {
    // Case- and accent-insensitive search: "een" finds "één", "Probst" finds "probst".
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function documentOf(id) {
    return data.documents.filter(function (d) { return d.id === id; })[0];
  }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }

  data.works.forEach(function (work) { workByKey.set(work.key, work); });
  claims.forEach(function (claim) {
    var parts = [claim.id, claim.text, claim.section, claim.cited_as];
    claim.fits = new Set();
    claim.sources.forEach(function (source) {
      claim.fits.add(source.fit);
      var work = workByKey.get(source.key);
      parts.push(source.key, work ? work.reference : "");
    });
    if (!claim.sources.length) claim.fits.add("");
    claim.fitList = Array.from(claim.fits);
    claim.hay = fold(parts.join("\n"));
    claim.card = null;
    claim.marks = [];
    claim.matched = true;
    claim.visible = true;
    claimById.set(claim.id, claim);
  });

  // The page's elements for each claim: its card, its entries in the works view, its highlights.
  document.querySelectorAll("[data-claim-item]").forEach(function (item) {
    var claim = claimById.get(item.getAttribute("data-claim-item"));
    if (!claim) return;
    if (item.classList.contains("card")) claim.card = item;
  });
  document.querySelectorAll(".leaflet [data-claim]").forEach(function (mark) {
    var claim = claimById.get(mark.getAttribute("data-claim"));
    if (claim) claim.marks.push(mark.classList.contains("claim") ? mark : mark.parentNode);
  });
  var workItems = [];
  document.querySelectorAll("li[data-work]").forEach(function (item) {
    var work = workByKey.get(item.getAttribute("data-work"));
    if (work) {
      work.hay = fold([work.key, work.reference, work.design, work.population].join("\n"));
      var lines = Array.prototype.map.call(item.querySelectorAll("[data-claim-item]"), function (line) {
        return { id: line.getAttribute("data-claim-item"), item: line };
      });
      workItems.push({ work: work, item: item, visible: true, claims: lines });
    }
  });
  // Looked up once: a query over a page of 10,000 claims costs more than a filter itself.
  var clearButtons = Array.from(document.querySelectorAll(".filter-clear"));
  var resetButton = document.getElementById("filter-reset");
  var filterNotes = Array.from(document.querySelectorAll(".filter-note"));
  var columns = new Map();
  document.querySelectorAll(".claims-column").forEach(function (column) {
    columns.set(column.id.slice("claims-".length), {
      none: column.querySelector(".none-shown"), more: column.querySelector("button.more") });
  });
  var counters = new Map();
  document.querySelectorAll("[data-count]:not(td)").forEach(function (node) {
    counters.set(node.getAttribute("data-count"), node);
  });

  // ---- Filters -----------------------------------------------------------------------------
  var form = document.getElementById("filters");
  var search = document.getElementById("filter-search");
  var status = document.getElementById("filter-status");
  var scopeBox = document.getElementById("filter-scope");
  function fresh() {
    return { labels: new Set(LABELS), fits: new Set(FITS), levels: new Set(LEVELS), certainties: new Set(CERTAINTIES),
             findings: false, terms: [], doc: null, section: null };
  }
  var state = fresh();

  function readForm() {
    state.labels = new Set(checked("label"));
    state.fits = new Set(checked("fit"));
    state.levels = new Set(checked("level"));
    state.certainties = new Set(checked("certainty"));
    state.findings = form.querySelector("input[name=findings]").checked;
    state.terms = fold(search.value).split(/\s+/).filter(Boolean);
  }

  function checked(name) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=" + name + "]:checked"),
                                    function (input) { return input.value; });
  }

  function writeForm() {
    form.querySelectorAll("input[name=label]").forEach(function (i) { i.checked = state.labels.has(i.value); });
    form.querySelectorAll("input[name=fit]").forEach(function (i) { i.checked = state.fits.has(i.value); });
    form.querySelectorAll("input[name=level]").forEach(function (i) { i.checked = state.levels.has(i.value); });
    form.querySelectorAll("input[name=certainty]").forEach(function (i) { i.checked = state.certainties.has(i.value); });
    form.querySelector("input[name=findings]").checked = state.findings;
    search.value = state.terms.join(" ");
  }

  // Each filter's verdict on a claim, so that the counts beside one filter can leave it out.
  function verdict(claim) {
    var base = (state.doc === null || claim.document === state.doc) &&
      (state.section === null || claim.section === state.section);
    for (var i = 0; base && i < state.terms.length; i++) base = claim.hay.indexOf(state.terms[i]) >= 0;
    var fit = false;
    for (var j = 0; j < claim.fitList.length; j++) fit = fit || state.fits.has(claim.fitList[j]);
    return { base: base, label: state.labels.has(claim.label), fit: fit, level: state.levels.has(claim.level),
             certainty: state.certainties.has(claim.certainty || ""), findings: !state.findings || claim.findings.length > 0 };
  }

  function active() {
    return state.labels.size < LABELS.length || state.fits.size < FITS.length || state.levels.size < LEVELS.length ||
      state.certainties.size < CERTAINTIES.length || state.findings ||
      state.terms.length > 0 || state.doc !== null;
  }

  function describe() {
    // The active filters in words, beside the claims they leave (and on paper when printed).
    var parts = [];
    if (state.doc !== null) parts.push(state.section === null ? ui.whole_leaflet : state.section);
    if (state.labels.size < LABELS.length) {
      parts.push(ui.label + ": " + LABELS.filter(function (l) { return state.labels.has(l); })
        .map(function (l) { return t.labels[l]; }).join(", "));
    }
    if (state.fits.size < FITS.length) {
      parts.push(ui.fit + ": " + FITS.filter(function (f) { return state.fits.has(f); })
        .map(function (f) { return f ? t.fits[f] : ui.no_source; }).join(", "));
    }
    if (state.levels.size < LEVELS.length) {
      parts.push(t.strength.level + ": " + LEVELS.filter(function (l) { return state.levels.has(l); })
        .map(function (l) { return t.levels[l]; }).join(", "));
    }
    if (state.certainties.size < CERTAINTIES.length) {
      parts.push(t.strength.certainty + ": " + CERTAINTIES.filter(function (c) { return state.certainties.has(c); })
        .map(function (c) { return t.certainties[c]; }).join(", "));
    }
    if (state.findings) parts.push(ui.findings_only);
    if (state.terms.length) parts.push(ui.search + ": " + state.terms.join(" "));
    return ui.filters + ": " + parts.join(" · ");
  }

  function setCount(key, value) {
    var node = counters.get(key);
    if (node && node.textContent !== value) node.textContent = value;
  }

  // A list shows this many cards at first, and as many more on each "show more": with
  // thousands of cards on the page every filter would have to lay all of them out again.
  var LIMIT = 200;
  var limits = new Map();

  function limitOf(list) { return limits.get(list) || LIMIT; }

  function more(button, list, shown) {
    var hidden = shown - limitOf(list);
    button.hidden = hidden <= 0;
    if (hidden > 0) button.textContent = fmt(ui.show_more, { n: Math.min(hidden, LIMIT), hidden: hidden });
  }

  function apply() {
    var facet = { label: new Map(), fit: new Map(), level: new Map(), certainty: new Map(), findings: 0 };
    var perDoc = new Map();
    var matchedIds = new Set();
    claims.forEach(function (claim) {
      var v = verdict(claim);
      // Each facet counts the claims every other filter lets through.
      var strength = v.level && v.certainty;
      var matched = v.base && v.label && v.fit && v.findings && strength;
      if (matched) matchedIds.add(claim.id);
      if (v.base && v.fit && v.findings && strength) facet.label.set(claim.label, (facet.label.get(claim.label) || 0) + 1);
      if (v.base && v.label && v.findings && strength) {
        claim.fitList.forEach(function (fit) { facet.fit.set(fit, (facet.fit.get(fit) || 0) + 1); });
      }
      if (v.base && v.label && v.fit && v.findings && v.certainty) facet.level.set(claim.level, (facet.level.get(claim.level) || 0) + 1);
      var certainty = claim.certainty || "";
      if (v.base && v.label && v.fit && v.findings && v.level) facet.certainty.set(certainty, (facet.certainty.get(certainty) || 0) + 1);
      if (claim.findings.length && v.base && v.label && v.fit && strength) facet.findings += 1;
      var doc = perDoc.get(claim.document) || { shown: 0, total: 0 };
      var visible = matched && doc.shown < limitOf("doc:" + claim.document);
      doc.total += 1;
      doc.shown += matched ? 1 : 0;
      perDoc.set(claim.document, doc);
      if (matched !== claim.matched) {
        claim.matched = matched;
        claim.marks.forEach(function (mark) { mark.classList.toggle("dim", !matched); });
      }
      if (visible !== claim.visible && claim.card) claim.card.hidden = !visible;
      claim.visible = visible;
    });
    LABELS.forEach(function (label) { setCount("label:" + label, String(facet.label.get(label) || 0)); });
    FITS.forEach(function (fit) { setCount("fit:" + fit, String(facet.fit.get(fit) || 0)); });
    LEVELS.forEach(function (level) { setCount("level:" + level, String(facet.level.get(level) || 0)); });
    CERTAINTIES.forEach(function (c) { setCount("certainty:" + c, String(facet.certainty.get(c) || 0)); });
    setCount("findings", String(facet.findings));
    perDoc.forEach(function (doc, id) {
      setCount("document:" + id, fmt(ui.shown, doc));
      var column = columns.get(id);
      if (!column) return;
      column.none.hidden = doc.shown > 0;
      more(column.more, "doc:" + id, doc.shown);
    });
    // Search alone also finds works that no shown claim rests on (such as uncited ones).
    var onlySearch = state.terms.length > 0 && state.labels.size === LABELS.length &&
      state.fits.size === FITS.length && state.levels.size === LEVELS.length &&
      state.certainties.size === CERTAINTIES.length && !state.findings && state.doc === null;
    var filtered = active();
    clearButtons.forEach(function (button) { button.hidden = !filtered; });
    resetButton.disabled = !filtered;
    var note = describe();
    filterNotes.forEach(function (p) {
      p.hidden = !filtered;
      if (p.textContent !== note) p.textContent = note;
    });
    var worksShown = 0;
    var worksLimit = limitOf("works");
    workItems.forEach(function (entry) {
      var work = entry.work;
      var matched = !filtered || work.cited_by.some(function (id) { return matchedIds.has(id); }) ||
        (onlySearch && state.terms.every(function (term) { return work.hay.indexOf(term) >= 0; }));
      var visible = matched && worksShown < worksLimit;
      worksShown += matched ? 1 : 0;
      if (visible !== entry.visible) {
        entry.visible = visible;
        entry.item.hidden = !visible;
      }
      // The claims listed under a work: only those of works on screen need to follow now.
      if (visible) entry.claims.forEach(function (line) {
        var hide = filtered && !matchedIds.has(line.id);
        if (line.item.hidden !== hide) line.item.hidden = hide;
      });
    });
    more(document.getElementById("works-more"), "works", worksShown);
    setCount("works", fmt(ui.works_shown, { shown: worksShown, total: workItems.length }));
    status.textContent = fmt(ui.shown, { shown: matchedIds.size, total: claims.length }) + " · " +
      fmt(ui.works_shown, { shown: worksShown, total: workItems.length });
    scopeBox.hidden = state.doc === null;
    if (state.doc !== null) {
      var documentData = documentOf(state.doc);
      document.getElementById("filter-scope-text").textContent =
        (documentData ? documentData.title : state.doc) + " · " + (state.section === null ? ui.whole_leaflet : state.section);
    }
  }

  function refilter() {
    limits.clear();  // a new selection starts with a short list again
    apply();
  }

  var timer = 0;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("change", function (event) {
    if (event.target === search) return;
    readForm();
    refilter();
  });
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { readForm(); refilter(); }, 120);
  });
  function reset() {
    state = fresh();
    writeForm();
    refilter();
  }
  resetButton.addEventListener("click", reset);
  clearButtons.forEach(function (button) { button.addEventListener("click", reset); });
  document.getElementById("filter-scope-clear").addEventListener("click", function () {
    state.doc = null;
    state.section = null;
    refilter();
  });

  function revealFirst(doc) {
    // Where the leaflet text scrolls on its own (wide screens), bring the first shown claim into it.
    var first = claims.filter(function (c) { return c.document === doc && c.matched && c.marks.length; })[0];
    if (!first) return;
    var mark = first.marks[0];
    var box = mark.closest(".leaflet");
    if (box && box.scrollHeight > box.clientHeight + 1) {
      box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - 48;
    }
  }

  function filterToCell(link) {
    var doc = link.getAttribute("data-gap");
    var index = Number(link.getAttribute("data-section"));
    var label = link.getAttribute("data-label");
    var level = link.getAttribute("data-level");  // a cell of the gap map by conclusion level
    var documentData = documentOf(doc);
    state = fresh();
    if (label) state.labels = new Set([label]);
    if (level) {
      state.levels = new Set([level]);
      document.getElementById("filter-strength").open = true;  // the filter set shows where it is
    }
    state.doc = doc;
    state.section = index >= 0 && documentData ? documentData.sections[index] : null;
    writeForm();
    refilter();
    revealFirst(doc);
    var column = document.getElementById("claims-" + doc);
    if (column) {
      column.setAttribute("tabindex", "-1");
      column.focus({ preventScroll: true });
      column.scrollIntoView({ block: "start" });
    }
  }

  // ---- The claim panel ----------------------------------------------------------------------
  var panel = document.getElementById("panel");
  var panelTitle = document.getElementById("panel-title");
  var panelBody = document.getElementById("panel-body");
  var previousButton = document.getElementById("panel-previous");
  var nextButton = document.getElementById("panel-next");
  var current = null;
  var opener = null;

  function node(tag, className, text) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = String(text);
    return element;
  }

  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === "") continue;
      parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return parent;
  }

  function badge(label) { return node("span", "badge label-" + label, t.labels[label] || label); }

  function fact(list, term, value) {
    if (value === null || value === undefined || value === "") return;
    var row = node("div");
    add(row, node("dt", "", term), add(node("dd"), value));
    list.appendChild(row);
  }

  function status_(work) {
    var text = Object.prototype.hasOwnProperty.call(t.statuses, work.verification) ? t.statuses[work.verification] : work.verification;
    return node("span", "status-" + (work.verification || "none"), text);
  }

  // A work's reference as the works view shows it (APA 7, with italics and its DOI link): a copy
  // of the page's own escaped markup, so that no value of the KB is parsed as HTML here.
  function reference(work) {
    var item = document.getElementById("work-" + work.key);
    var shown = item && item.querySelector(".reference");
    return shown ? shown.cloneNode(true) : work.reference;
  }

  function sourceItem(source) {
    var item = node("li", "fit-" + source.fit);
    item.setAttribute("data-key", source.key);
    item.setAttribute("data-fit", source.fit);
    var work = workByKey.get(source.key);
    add(item, node("span", "fit fit-" + source.fit, t.fits[source.fit] || source.fit));
    if (!work) {
      add(item, " ", node("span", "key", source.key), " ", node("em", "", t.missing_work));
    } else {
      add(item, add(node("p", "ref"), reference(work), " ", node("span", "key", work.key)));
      var facts = node("dl", "facts");
      var design = add(node("span"), work.design || "–", work.ebro ? " · EBRO " + work.ebro : "", " · ", badge(work.label));
      fact(facts, t.design, design);
      fact(facts, t.population, work.population);
      fact(facts, t.n, work.n);
      fact(facts, t.verification, status_(work));
      if (work.verify) {
        // What kb verify found, beside the typed status; a retraction said in words, not by colour alone.
        var computed = add(node("span", "computed-" + work.verify.status, t.verify.statuses[work.verify.status] || work.verify.status));
        if (work.retracted) add(computed, " · ", node("strong", "retracted", t.verify.retracted));
        fact(facts, t.verify.computed, computed);
      }
      if (work.doi) {
        // A link only when the DOI is one (decided by kb.links, given as doi_href): other text
        // in the field, `javascript:` or any, is shown as text.
        var doi = node(work.doi_href ? "a" : "span", "doi", work.doi);
        if (work.doi_href) doi.href = work.doi_href;
        fact(facts, "DOI", doi);
      } else if (work.doi_unverified) {
        // A DOI recalled but never seen in a source is shown as text, never as a link.
        fact(facts, "DOI", add(node("span", "doi-unverified"), work.doi_unverified + " ", node("em", "", "(" + t.doi_unverified + ")")));
      }
      // Why the fit comes first: it says whether the work really says what the leaflet says.
      if (source.note) add(item, add(node("p", "note"), node("span", "what", t.note + ": "), source.note));
      item.appendChild(facts);
      if (work.verification_text) {
        add(item, add(node("details", "checked"), node("summary", "", ui.checked), work.verification_text));
      }
      var others = new Set(work.cited_by).size - 1;
      if (others > 0) {
        var link = node("a", "others", fmt(others === 1 ? ui.also_cited_one : ui.also_cited_many, { n: others }));
        link.href = "#work-" + work.key;
        add(item, add(node("p", "others"), link));
      }
      return item;
    }
    if (source.note) add(item, add(node("p", "note"), node("span", "what", t.note + ": "), source.note));
    return item;
  }

  function findingItem(finding) {
    var item = node("li", "severity-" + finding.severity);
    add(item, node("span", "severity", finding.severity), " ", node("span", "rule", "[" + finding.rule + "]"), " ", finding.message);
    if (finding.suggestion) add(item, " ", node("span", "suggestion", "→ " + finding.suggestion));
    add(item, " ", node("code", "location", finding.path + ":" + finding.line));
    return item;
  }

  function fill(claim) {
    panelTitle.textContent = fmt(ui.claim_of, { number: claim.number });
    var body = document.createDocumentFragment();
    var head = add(node("p", "head"), badge(claim.label));
    if (claim.level !== "service") {
      add(head, " ", node("span", "strength-level strength-level-" + claim.level, t.levels[claim.level]));
      if (claim.certainty) {
        add(head, " ", node("span", "certainty certainty-" + claim.certainty,
                            t.strength.certainty_prefix + " " + t.certainties[claim.certainty]));
      }
    }
    add(body, add(head, " ", node("span", "key", claim.id)));
    if (claim.retracted) {
      var banner = add(node("p", "retracted-banner"), node("strong", "", t.verify.retracted), ": " + t.verify.retracted_claim + " (");
      claim.retracted_works.forEach(function (key, i) {
        var link = node("a", "", key);
        link.href = "#work-" + key;
        add(banner, i ? ", " : "", link);
      });
      add(banner, ").");
      banner.setAttribute("role", "note");
      body.appendChild(banner);
    }
    add(body, add(node("p", "section"), node("span", "what", t.section + ": "), claim.section));
    var quote = add(body, node("blockquote", "quote", claim.text)).lastChild;
    var source = documentOf(claim.document);
    if (source && source.language) quote.lang = source.language;
    if (claim.cited_as) add(body, add(node("p", "cited"), node("span", "what", t.cited_as + ": "), claim.cited_as));
    add(body, add(node("p", "reason"), node("span", "what", t.reason + ": "), claim.label_reason));
    if (claim.level !== "service") {
      add(body, add(node("p", "strength-reason"), node("span", "what", t.strength.level_reason + ": "), claim.conclusion_reason));
      if (claim.certainty_reasons.length) {
        var steps = node("ul");
        claim.certainty_reasons.forEach(function (reason) { steps.appendChild(node("li", "", reason)); });
        add(body, add(node("div", "certainty-reasons"), node("span", "what", t.strength.certainty_reasons + ":"), steps));
      }
    }
    add(body, node("h3", "", t.sources + " (" + claim.sources.length + ")"));
    if (claim.sources.length) {
      var list = node("ul", "sources");
      claim.sources.forEach(function (source) { list.appendChild(sourceItem(source)); });
      body.appendChild(list);
    } else {
      add(body, node("p", "none", claim.label === "service" ? t.labels.service : t.no_sources));
    }
    if (claim.findings.length) {
      add(body, node("h3", "", t.findings + " (" + claim.findings.length + ")"));
      var findings = node("ul", "claim-findings");
      claim.findings.forEach(function (finding) { findings.appendChild(findingItem(finding)); });
      body.appendChild(findings);
    }
    panelBody.replaceChildren(body);
    panelBody.scrollTop = 0;
    panel.scrollTop = 0;
  }

  function sequence() {
    var matched = claims.filter(function (claim) { return claim.matched; });
    return matched.some(function (claim) { return claim.id === current; }) ? matched : claims;
  }

  function highlight(claim, on) {
    claim.marks.forEach(function (mark) { mark.classList.toggle("current", on); });
    if (claim.card) claim.card.classList.toggle("current", on);
  }

  function openClaim(id, how) {
    var claim = claimById.get(id);
    if (!claim) return false;
    if (current !== null && claimById.has(current)) highlight(claimById.get(current), false);
    current = id;
    fill(claim);
    highlight(claim, true);
    var list = sequence();
    var at = list.indexOf(claim);
    previousButton.disabled = at <= 0;
    nextButton.disabled = at < 0 || at >= list.length - 1;
    panel.hidden = false;
    document.body.classList.add("panel-open");
    if (how.push && location.hash !== "#claim-" + id) history.pushState(null, "", "#claim-" + id);
    if (claim.marks.length && how.reveal) claim.marks[0].scrollIntoView({ block: "nearest" });
    panelTitle.focus({ preventScroll: true });
    return true;
  }

  function closePanel(how) {
    if (current === null) return;
    highlight(claimById.get(current), false);
    current = null;
    panel.hidden = true;
    document.body.classList.remove("panel-open");
    if (how.push && /^#claim-/.test(location.hash)) history.pushState(null, "", location.pathname + location.search);
    if (opener && document.contains(opener)) opener.focus({ preventScroll: true });
    opener = null;
  }

  function step(delta) {
    var list = sequence();
    var at = list.indexOf(claimById.get(current));
    var next = list[at + delta];
    if (next) openClaim(next.id, { push: true, reveal: true });
  }

  function fromHash() {
    var hash = location.hash;
    var id = null;
    if (/^#claim-/.test(hash)) {
      try { id = decodeURIComponent(hash.slice(7)); } catch (error) { id = hash.slice(7); }
    }
    if (id !== null && claimById.has(id)) {
      if (id !== current) openClaim(id, { push: false, reveal: true });
    } else {
      closePanel({ push: false });
    }
  }

  previousButton.addEventListener("click", function () { step(-1); });
  nextButton.addEventListener("click", function () { step(1); });
  document.getElementById("panel-close").addEventListener("click", function () { closePanel({ push: true }); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && current !== null) closePanel({ push: true });
  });
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var link = target.closest("a[data-claim]");
    if (link) {
      event.preventDefault();
      opener = link;
      openClaim(link.getAttribute("data-claim"), { push: true, reveal: !link.closest(".leaflet") });
      return;
    }
    var card = target.closest("li.card");
    if (card && !target.closest("a, button, summary")) {
      // The whole card opens its claim, not only the quoted text.
      opener = card.querySelector("a[data-claim]");
      openClaim(card.getAttribute("data-claim-item"), { push: true, reveal: true });
      return;
    }
    var button = target.closest("button[data-more]");
    if (button) {
      var list = button.getAttribute("data-more");
      limits.set(list, limitOf(list) + LIMIT);
      apply();
      return;
    }
    var cell = target.closest("a[data-gap]");
    if (cell) {
      event.preventDefault();
      filterToCell(cell);
    }
  });
  window.addEventListener("popstate", fromHash);
  window.addEventListener("hashchange", fromHash);

  // On a phone the filters start folded, so that the leaflet is not a screen away.
  if (window.matchMedia("(max-width: 40rem)").matches) document.getElementById("filter-more").open = false;

  // On paper every matching card, not only the first of each list.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("button[data-more]").forEach(function (b) { limits.set(b.getAttribute("data-more"), Infinity); });
    apply();
  });

  form.hidden = false;
  apply();
  fromHash();
})();
