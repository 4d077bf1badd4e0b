"""The element classes citeproc-py renders with, made to remember what they look up.

citeproc-py renders a cite or an entry by walking the style's element tree, and on every
visit it looks again for what a parsed style never changes: children, attributes, macros and
layouts by XPath, inherited name options through the citation or bibliography element,
locale terms and options by trying each locale in turn, the root through a new tree object,
and whether a cs:if holds by raising an exception for every branch that does not. With the
official APA style that walk is most of the time of a reference list. Here each element class
of citeproc-py gets a subclass that finds each such answer once per element and keeps it.

The rendering stays citeproc-py's. Five of its short methods are restated with the element's
children and attributes read once: `Parent.render_children`, `Group.process`, `Choose.render`
(with the cs:if tests of `If.render`), `Text.process` and `Text.markup`; they do what the
originals do, and the leaflet tests compare the result with pandoc's. One thing is added: the
variables each element can render from are read from the style (`_needs`), and a child that
needs only variables the work lacks is not walked, since citeproc-py would walk it only to
render nothing (a quarter of the time of an APA reference list). A parsed style must not be
changed once it has rendered (kb.apa.style changes its variants while parsing them, before any use).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from citeproc import model
from citeproc.source import VariableError
from citeproc.string import String, join, normalize_seam
from lxml import etree

CSL_NS = "http://purl.org/net/xbiblio/csl"

# Answers per element (or per element and argument) of parsed styles, which never change.
_XPATH: dict[Any, dict[str, Any]] = {}  # element -> expression or child name -> result
_ROOTS: dict[Any, Any] = {}  # element -> its root element
_FORMATTERS: dict[Any, Any] = {}  # element -> the formatter of its style
_OPTIONS: dict[tuple[Any, str], Any] = {}  # (root, name) -> locale option
_CALLS: dict[Any, bool] = {}  # element -> whether it renders a variable
_MACROS: dict[tuple[Any, str], Any] = {}  # (element, name) -> the macro
_LAYOUTS: dict[Any, Any] = {}  # element -> the layout it is in
_TERMS: dict[tuple[Any, ...], Any] = {}  # (element, kind, arguments) -> the term's text
_NAME_OPTIONS: dict[tuple[Any, str, Any], Any] = {}  # (cs:name, option, context) -> its value
_ET_AL: dict[Any, Any] = {}  # cs:name -> its "et al." text
_KIDS: dict[tuple[Any, str | None], tuple[tuple[Any, bool, frozenset[str] | None], ...]] = {}  # (element, work
# type) -> (child, is cs:choose, its needs)
_GROUPS: dict[tuple[Any, str | None], tuple[tuple[tuple[Any, bool, bool, frozenset[str] | None], ...], str, bool]] = {}
# (cs:group, work type) -> ((child, is cs:choose, calls a variable, its needs), ...), delimiter, whether any child
# calls a variable
_BRANCHES: dict[tuple[Any, str | None], tuple[tuple[Any, Callable[[Any, Any], bool] | None], ...]] = {}  # (cs:choose,
# work type) -> the branches that may render, with their tests
_TEXTS: dict[Any, tuple[str, Any]] = {}  # cs:text -> what it renders: (kind, macro or value)
_FORMATS: dict[Any, tuple[Callable[[Any], Any], ...]] = {}  # element -> its font formatting
_AFFIXES: dict[Any, tuple[str, str]] = {}  # element -> (prefix, suffix)
_CASES: dict[Any, tuple[bool, Any, bool]] = {}  # element -> (strip periods, text case, quotes)
_NAME_SETTINGS: dict[tuple[Any, Any, Any], tuple[Any, ...]] = {}  # (cs:name, context, sort options) -> its options
_DECORATIONS: dict[Any, tuple[tuple[Callable[[Any], Any], ...], str, str] | tuple[()]] = {}  # element ->
# formatting, prefix, suffix; () for none
_ROLES: dict[Any, list[str]] = {}  # cs:names -> the variables it names
_INITIALS: dict[tuple[Any, str, str, Any], str] = {}
_NAMES_DELIMITERS: dict[tuple[Any, Any], Any] = {}  # (cs:names, context) -> names-delimiter of its citation or bibliography  # (cs:name, given names, mark, context) -> initials
_NEEDS: dict[tuple[Any, str | None], frozenset[str] | None] = {}  # (element, work type) -> variables it renders
# from (None: any work)


class Cached:
    """Look-ups in the fixed style tree, kept per element."""

    def xpath_search(self, expression: str) -> Any:
        found = _XPATH.setdefault(self, {})
        if expression not in found:
            found[expression] = super().xpath_search(expression)  # type: ignore[misc]
        return found[expression]

    def __getattr__(self, name: str) -> Any:  # a child element: `citation.layout`
        found = _XPATH.setdefault(self, {})
        if name not in found:
            found[name] = super().__getattr__(name)  # type: ignore[misc]
        return found[name]

    def get_formatter(self) -> Any:
        formatter = _FORMATTERS.get(self)
        if formatter is None:
            formatter = _FORMATTERS[self] = super().get_formatter()  # type: ignore[misc]
        return formatter

    def get_root(self) -> Any:
        root = _ROOTS.get(self)
        if root is None:
            root = _ROOTS[self] = super().get_root()  # type: ignore[misc]
        return root

    def get_locale_option(self, name: str) -> Any:
        key = (self.get_root(), name)
        if key not in _OPTIONS:
            _OPTIONS[key] = super().get_locale_option(name)  # type: ignore[misc]
        return _OPTIONS[key]

    def get_macro(self, name: str) -> Any:
        key = (self, name)
        macro = _MACROS.get(key)
        if macro is None:
            macro = _MACROS[key] = super().get_macro(name)  # type: ignore[misc]
        return macro

    def get_layout(self) -> Any:
        layout = _LAYOUTS.get(self)
        if layout is None:
            layout = _LAYOUTS[self] = super().get_layout()  # type: ignore[misc]
        return layout

    def get_single_term(self, name: str, *args: Any, **kwargs: Any) -> Any:
        key = (self, "single", name, args, tuple(sorted(kwargs.items())))
        if key not in _TERMS:  # a String, which is never changed in place
            _TERMS[key] = super().get_single_term(name, *args, **kwargs)  # type: ignore[misc]
        return _TERMS[key]

    def get_plural_term(self, name: str, *args: Any, **kwargs: Any) -> Any:
        key = (self, "plural", name, args, tuple(sorted(kwargs.items())))
        if key not in _TERMS:
            _TERMS[key] = super().get_plural_term(name, *args, **kwargs)  # type: ignore[misc]
        return _TERMS[key]


def _calls_variable(self: Any) -> bool:
    if self not in _CALLS:
        original: Any = type(self).__mro__[2]  # the citeproc-py class under Cached
        _CALLS[self] = original.calls_variable(self)
    return _CALLS[self]


# The formatting attributes of CSL and the formatter's wrapper each value asks for, in citeproc-py's order.
_FORMATTING = (("font-style", {"italic": "Italic", "oblique": "Oblique"}),
               ("font-variant", {"small-caps": "SmallCaps"}),
               ("font-weight", {"bold": "Bold", "light": "Light"}),
               ("text-decoration", {"underline": "Underline"}),
               ("vertical-align", {"sup": "Superscript", "sub": "Subscript"}))


def _format(self: Any, string: Any) -> Any:
    """Formatted.format with the element's formatting attributes read once, not five times a use."""
    wrappers = _FORMATS.get(self)
    if wrappers is None:
        formatter = self.get_formatter()
        wrappers = _FORMATS[self] = tuple(
            getattr(formatter, names[self.get(attribute)]) for attribute, names in _FORMATTING
            if self.get(attribute) in names)
    if isinstance(string, (int, float)):
        string = str(string)
    for wrapper in wrappers:
        string = wrapper(string)
    return string


def _affixed(self: Any, string: Any) -> Any:
    """Affixed.wrap with the element's prefix and suffix read once."""
    if string is None:
        return None
    affixes = _AFFIXES.get(self)
    if affixes is None:
        affixes = _AFFIXES[self] = (self.get("prefix", ""), self.get("suffix", ""))
    prefix, suffix = affixes
    if prefix:
        string = prefix + normalize_seam(prefix, string)
    return string + normalize_seam(string, suffix) if suffix else string


def _decoration(self: Any) -> tuple[tuple[Callable[[Any], Any], ...], str, str] | tuple[()]:
    """The element's font formatting and its (prefix, suffix), read once; () for none of them."""
    found = _DECORATIONS.get(self)
    if found is None:
        _format(self, "")  # fills _FORMATS
        _affixed(self, "")  # fills _AFFIXES
        found = (_FORMATS[self], *_AFFIXES[self])
        found = _DECORATIONS[self] = found if any(found) else ()
    return found


def _decorated(self: Any, string: Any) -> Any:
    """`self.wrap(self.format(string))` (a group's and a text's markup) for an element of fixed
    attributes, in one call: `_format`, then `_affixed`."""
    decoration = _DECORATIONS.get(self)
    if decoration is None:
        decoration = _decoration(self)
    if isinstance(string, (int, float)):
        string = str(string)
    if not decoration:  # no formatting, no affixes
        return string
    wrappers, prefix, suffix = decoration
    for wrapper in wrappers:
        string = wrapper(string)
    if prefix:
        string = prefix + normalize_seam(prefix, string)
    return string + normalize_seam(string, suffix) if suffix else string


def _cases(self: Any) -> tuple[bool, Any, bool]:
    cases = _CASES.get(self)
    if cases is None:
        cases = _CASES[self] = (self.get("strip-periods", "false").lower() == "true", self.get("text-case"),
                                self.get("quotes", "false").lower() == "true")
    return cases


def _strip_periods(self: Any, string: Any) -> Any:
    """StrippedPeriods.strip_periods with the attribute read once."""
    return string.replace(".", "") if _cases(self)[0] else string


def _case(self: Any, text: Any, language: Any = None) -> Any:
    """TextCased.case: nothing to do for an element without text-case, as most are."""
    if _cases(self)[1] is None:
        return text
    original: Any = type(self).__mro__[2]
    return original.case(self, text, language)


def _text_markup(self: Any, text: Any, language: Any) -> Any:
    """Text.markup with the element's attributes read once."""
    if not text:
        return None
    strip, case, quotes = _cases(self)
    if strip:
        text = text.replace(".", "")
    if case is not None:
        text = model.TextCased.case(self, text, language)
    text = self.format(text)
    if quotes:
        text = model.Quoted.quote(self, text)
    return self.wrap(text)


def _quote(self: Any, string: Any) -> Any:
    """Quoted.quote: nothing to do for an element without quotes, as most are."""
    if not _cases(self)[2]:
        return string
    original: Any = type(self).__mro__[2]
    return original.quote(self, string)


def _holds_for(branch: Any, kind: str) -> bool | None:
    """Whether a cs:if or cs:else-if holds for every work of type `kind`; None when its test
    asks more than the type (a variable, a position), which only the work can answer. A test
    of the type and of variables is decided by the type alone when the type's result settles
    the match: with `match="any"` a type that holds, with "none" one that holds, with "all" one
    that fails (the other tests, of variables, numbers and uncertain dates, only read the work)."""
    attributes = branch.attrib
    types = [t.lower() for t in attributes.get("type", "").split()]
    if not types:
        return None
    results = [t == kind for t in types]
    match = attributes.get("match")
    if any(name not in ("type", "match") for name in attributes):
        if any(name not in ("type", "match", "variable", "is-numeric", "is-uncertain-date") for name in attributes):
            return None  # a position or a locator: asked of the cite
        if match == "any" and any(results):
            return True
        if match == "none" and any(results):
            return False
        if match not in ("any", "none") and not all(results):
            return False
        return None
    if match == "any":
        return any(results)
    if match == "none":
        return not any(results)
    return all(results)


def _needs(element: Any, kind: str | None = None) -> frozenset[str] | None:
    """Variables of which a work (of type `kind`, if known) needs one for `element` to render
    anything; None when it may render without any. A safe over-estimate, read from the style:
    a variable's cs:text, cs:number, cs:date or cs:names needs it (or its short form); terms,
    values and labels may always render; a group that calls variables renders only through the
    children that do; a cs:choose through the branches that may hold for a work of that type
    (the first that holds renders, so a branch after one that always holds never does)."""
    key = (element, kind)
    if key in _NEEDS:
        return _NEEDS[key]
    _NEEDS[key] = None  # while it is worked out (CSL forbids a macro calling itself)
    needs: set[str] | frozenset[str] | None = set()
    names = (element.get("variable") or "").split()
    if isinstance(element, (model.Text, model.Number, model.Date)) and len(names) == 1:
        variable = names[0]
        needs = {variable, variable.replace("-", "_"), variable.replace("-", "_") + "_short"}
        if variable.startswith("page"):  # page-first is read from page
            needs |= {"page"}
        if variable in ("locator", "citation-number"):
            needs = None  # the cite's, not the work's
    elif isinstance(element, model.Text) and "macro" in element.attrib:
        needs = _needs(element.get_macro(element.get("macro")), kind)
    elif isinstance(element, model.Names) and names:
        needs = {name.replace("-", "_") for name in names}
        substitute = element.substitute()
        if substitute is not None:
            more = _needs(substitute, kind)
            needs = None if more is None else needs | more
    elif isinstance(element, model.Choose) and kind is not None:
        found: set[str] | None = set()
        for branch in element.iterchildren():
            holds = _holds_for(branch, kind) if isinstance(branch, model.If) else True
            if holds is False:
                continue
            more = _needs(branch, kind)
            if more is None or found is None:
                found = None
                break
            found |= more
            if holds:
                break
        needs = found
    elif isinstance(element, (model.Group, model.Choose, model.If, model.Else, model.Macro, model.Substitute)):
        children = list(element.iterchildren())
        if isinstance(element, model.Group) and any(child.calls_variable() for child in children):
            children = [child for child in children if child.calls_variable()]
        wanted = [_needs(child, kind) for child in children]
        needs = None if None in wanted else {v for w in wanted if w is not None for v in w}
    else:
        needs = None
    _NEEDS[key] = None if needs is None else frozenset(needs)
    return _NEEDS[key]


def _kids(element: Any, kind: str | None) -> tuple[tuple[Any, bool, frozenset[str] | None], ...]:
    kids = _KIDS.get((element, kind))
    if kids is None:
        kids = _KIDS[element, kind] = tuple((child, isinstance(child, model.Choose), _needs(child, kind))
                                            for child in element.iterchildren())
    return kids


def _render_children(self: Any, item: Any, delimiter: str = "", **kwargs: Any) -> Any:
    """Parent.render_children: a cs:choose among the children gets the delimiter to pass on.
    A child that needs variables the work lacks is not walked: it would render nothing."""
    output = []
    reference = item.reference
    kind = dict.get(reference, "type")
    for child, choose, needs in _KIDS.get((self, kind)) or _kids(self, kind):
        if needs is not None and needs.isdisjoint(reference):
            continue
        try:
            text = child.render(item, delimiter=delimiter, **kwargs) if choose else child.render(item, **kwargs)
        except VariableError:
            continue
        if text is not None:
            output.append(text)
    if len(output) == 1:  # what join gives for one string: that string
        return output[0]
    return join(output, delimiter) if output else None


def _group_process(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
    """Group.process: the group is left out (VariableError) when it calls variables and none
    of its children that call one rendered anything. A child that needs variables the work
    lacks is not walked."""
    reference = item.reference
    kind = dict.get(reference, "type")
    group = _GROUPS.get((self, kind))
    if group is None:
        children = tuple((child, isinstance(child, model.Choose), child.calls_variable(), _needs(child, kind))
                         for child in self.iterchildren())
        group = _GROUPS[self, kind] = (children, self.get("delimiter", ""), any(c[2] for c in children))
    children, delimiter, called = group
    output = []
    rendered = False
    for child, choose, calls, needs in children:
        if needs is not None and needs.isdisjoint(reference):
            continue
        try:
            if choose:
                text = child.render(item, context=context, delimiter=delimiter, **kwargs)
            else:
                text = child.render(item, context=context, **kwargs)
        except VariableError:
            continue
        if text is not None:
            output.append(text)
            rendered = rendered or calls
    if output and (not called or rendered):  # Delimited.join, with the delimiter read once
        if len(output) == 1:
            return output[0]
        try:
            return join(output, delimiter)
        except Exception:  # noqa: BLE001  (Delimited.join gives an empty string for any failure)
            return String("")
    raise VariableError


def _group_render(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
    """Group.render (its process, then its markup) in one call: the walk's most frequent step."""
    text = _group_process(self, item, context, **kwargs)
    if not text:
        return None
    if _DECORATIONS.get(self) == () and isinstance(text, (str, list)):  # nothing to format or affix
        return text
    return _decorated(self, text)


def _text_render(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
    """Text.render (its process, then its markup) in one call."""
    text, language = self.process(item, context, **kwargs)
    return self.markup(text, language)


def _fixed_text_render(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
    """Text.render for a class that keeps `_text_process` and `_text_markup`: those two in one
    function (the language read only for a text-case), a macro's children rendered directly,
    the markup's formatting and affixes in one step (`_decorated`)."""
    if context is None:
        context = self
    kind, value = _TEXTS.get(self) or _what(self)
    if kind == "macro":  # a macro's render is its children's (_macro_render)
        text = _render_children(value, item, context=context, sort_options=None)
    else:
        text = _content(self, kind, value, item, context)
    if not text:
        return None
    strip, case, quotes = _CASES.get(self) or _cases(self)
    if strip:
        text = text.replace(".", "")
    if case is not None:
        reference = item.reference
        language = dict.__getitem__(reference, "language")[:2] if "language" in reference else \
            self.get_root().get("default-locale", "en")[:2]
        text = model.TextCased.case(self, text, language)
    if quotes:
        text = model.Quoted.quote(self, _format(self, text))
        return _affixed(self, text)
    if _DECORATIONS.get(self) == () and isinstance(text, (str, list)):  # nothing to format or affix
        return text
    return _decorated(self, text)


def _macro_render(self: Any, item: Any, context: Any = None, sort_options: Any = None) -> Any:
    """Macro.render: its children rendered."""
    return _render_children(self, item, context=context, sort_options=sort_options)


def _test(branch: Any) -> Callable[[Any, Any], bool]:
    """A cs:if or cs:else-if as a function of (item, context): If.render's tests, with the
    common ones (type, variable) read from the element once."""
    attributes = branch.attrib
    types = frozenset(t.lower() for t in attributes.get("type", "").split())
    type_list = [t.lower() for t in attributes.get("type", "").split()]
    variables = tuple(v.replace("-", "_") for v in attributes.get("variable", "").split())
    match = attributes.get("match")
    others = [name for name in ("is-numeric", "is-uncertain-date", "locator", "position") if name in attributes]
    if not others and "locator" not in variables:
        if match != "none" and len(type_list) + len(variables) == 1:  # most tests: one type or variable
            if type_list:
                kind = type_list[0]
                return lambda item, context: dict.get(item.reference, "type") == kind
            variable = variables[0]
            return lambda item, context: variable in item.reference
        if match in ("any", "none"):
            wanted = match == "any"

            def any_holds(item: Any, context: Any) -> bool:
                reference = item.reference
                found = dict.get(reference, "type") in types or any(v in reference for v in variables)
                return found is wanted
            return any_holds

        def all_hold(item: Any, context: Any) -> bool:
            reference = item.reference
            kind = dict.get(reference, "type")
            return all(t == kind for t in type_list) and all(v in reference for v in variables)
        return all_hold

    def holds(item: Any, context: Any) -> bool:
        reference = item.reference
        results = [t == dict.get(reference, "type") for t in type_list]
        results += [("locator" in item) if v == "locator" else (v in reference) for v in variables]
        if "is-numeric" in others:
            results += branch._is_numeric(item)
        if "is-uncertain-date" in others:
            results += branch._is_uncertain_date(item)
        if "locator" in others:
            results += branch._locator(item)
        if "position" in others:
            results += branch._position(item, context)
        if match == "any":
            return any(results)
        if match == "none":
            return not any(results)
        return all(results)
    return holds


def _branches(choose: Any, kind: str | None) -> tuple[tuple[Any, Callable[[Any, Any], bool] | None], ...]:
    """The branches of a cs:choose that may render for a work of type `kind`, each with the test
    left to ask of the work (None: it holds). A branch whose test the type alone decides is
    dropped when it fails and, when it holds, ends the list untested: the first branch that
    holds renders, so none after it ever does."""
    branches: list[tuple[Any, Callable[[Any, Any], bool] | None]] = []
    for child in choose.iterchildren():
        if not isinstance(child, model.If):  # cs:else
            branches.append((child, None))
            break
        holds = _holds_for(child, kind) if kind is not None else None
        if holds is False:
            continue
        branches.append((child, None if holds else _test(child)))
        if holds:
            break
    return tuple(branches)


def _choose_render(self: Any, item: Any, context: Any = None, delimiter: str = "", **kwargs: Any) -> Any:
    """Choose.render: the first branch that holds renders; each test is a function call
    instead of an exception raised for every branch that does not apply, and the tests that
    the work's type decides are decided once per type."""
    kind = dict.get(item.reference, "type")
    branches = _BRANCHES.get((self, kind))
    if branches is None:
        branches = _BRANCHES[self, kind] = _branches(self, kind)
    for child, test in branches:
        if test is not None and not test(item, context):
            continue
        return _render_children(child, item, context=context, delimiter=delimiter, **kwargs)
    return None


def _what(self: Any) -> tuple[str, Any]:
    """What a cs:text renders: ("variable", name), ("macro", the macro), ("term", name),
    ("value", text), or ("", None) for nothing."""
    attributes = self.attrib
    kind = next((k for k in ("variable", "macro", "term", "value") if k in attributes), "")
    value = self.get_macro(self.get("macro")) if kind == "macro" else self.get(kind) if kind else None
    found = _TEXTS[self] = (kind, value)
    return found


def _text_process(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
    """Text.process with what the element renders (variable, macro, term or value) found once."""
    if context is None:
        context = self
    reference = item.reference
    if "language" in reference:
        language = dict.__getitem__(reference, "language")[:2]
    else:
        language = self.get_root().get("default-locale", "en")[:2]
    kind, value = _TEXTS.get(self) or _what(self)
    text = value.render(item, context) if kind == "macro" else _content(self, kind, value, item, context)
    return text, language


def _content(self: Any, kind: str, value: Any, item: Any, context: Any) -> Any:
    """What a cs:text that is no macro renders: its variable, term or value."""
    if kind == "variable":
        return self._variable(item, context)
    if kind == "term":
        return self._term(item)
    if kind == "value":
        return String(self.preformat(value))
    raise UnboundLocalError("cs:text renders nothing")  # as citeproc-py fails on it


def _name_option(self: Any, name: str, context: Any = None, sort_options: Any = None) -> Any:
    """Name.get_option: an option not set by a sort key is the element's, else inherited from
    cs:citation or cs:bibliography, else the style's; found once per element and context."""
    if sort_options is not None and name in sort_options:
        return model.Name.get_option(self, name, context, sort_options)
    key = (self, name, context)
    if key not in _NAME_OPTIONS:
        _NAME_OPTIONS[key] = model.Name.get_option(self, name, context, None)
    return _NAME_OPTIONS[key]


def _name_settings(self: Any, context: Any, sort_options: Any) -> tuple[Any, ...]:
    """What Name.process reads from the style for one use of a cs:name: its options (set by a
    sort key, the element, cs:citation or cs:bibliography, the style), its "and" and "et al."
    terms and its cs:name-part children, found once per element, context and sort options."""
    key = (self, context, None if sort_options is None else tuple(sorted(sort_options.items())))
    found = _NAME_SETTINGS.get(key)
    if found is None:
        options = tuple(self.get_option(name, context, sort_options) for name in (
            "and", "delimiter", "delimiter-precedes-et-al", "delimiter-precedes-last", "et-al-min",
            "et-al-use-first", "et-al-use-last", "initialize-with", "name-as-sort-order", "sort-separator", "form",
            "demote-non-dropping-particle"))
        and_ = options[0]
        and_term = self.get_single_term(name="and") if and_ == "text" else self.preformat("&") if and_ == "symbol" \
            else None
        found = _NAME_SETTINGS[key] = (*options, and_term, self.et_al(), tuple(self.findall("cs:name-part", self.nsmap)))
    return found


def _initialize(self: Any, given: Any, mark: str, context: Any) -> str:
    """Name.initialize, kept per given names: a plain function of them and the element's options."""
    if not isinstance(given, str):
        return str(self.initialize(given, mark, context))
    key = (self, given, mark, context)
    found = _INITIALS.get(key)
    if found is None:
        found = _INITIALS[key] = self.initialize(given, mark, context)
    return found


def name_process(self: Any, item: Any, variable: str, context: Any = None, sort_options: Any = None,
                 **kwargs: Any) -> Any:
    """Name.process with the element's options, terms and name parts read once
    (`_name_settings`) and initials kept per given names; otherwise citeproc-py's, line by line."""
    (and_, delimiter, delimiter_precedes_et_al, delimiter_precedes_last, et_al_min, et_al_use_first, et_al_use_last,
     initialize_with, name_as_sort_order, sort_separator, form, demote_ndp, and_term, et_al, name_parts) = \
        _name_settings(self, context, sort_options)

    def format_name_parts(given: Any, family: Any) -> tuple[Any, Any]:
        for part in name_parts:
            given, family = part.format_part(given, family)
        return given, family

    names = item.reference.get(variable, [])
    output: list[Any] = []
    if form == "count":
        count = min(len(names), et_al_use_first)
        output.append(count)
        return sum(output)
    et_al_truncate = len(names) > 1 and et_al_min and len(names) >= et_al_min
    et_al_last = et_al_use_last and et_al_use_first <= et_al_min - 2
    if et_al_truncate:
        names = names[:et_al_use_first] + [names[-1]] if et_al_last else names[:et_al_use_first]
    for i, name in enumerate(names):
        given, family, dp, ndp, suffix = name.parts()
        if given is not None and initialize_with is not None:
            given = _initialize(self, given, initialize_with, context)
        if form == "long":
            if name_as_sort_order == "all" or (name_as_sort_order == "first" and i == 0):
                if demote_ndp in ("never", "sort-only"):
                    family = " ".join([n for n in (ndp, family) if n])
                    given = " ".join([n for n in (given, dp) if n])
                else:
                    given = " ".join([n for n in (given, dp, ndp) if n])
                given, family = format_name_parts(given, family)
                text = sort_separator.join([n for n in (family, given, suffix) if n])
            else:
                family = " ".join([n for n in (dp, ndp, family) if n])
                given, family = format_name_parts(given, family)
                text = " ".join([n for n in (given, family, suffix) if n])
        elif form == "short":
            family = " ".join([n for n in (ndp, family) if n])
            given, family = format_name_parts(given, family)
            text = family
        output.append(text)
    if et_al_truncate and et_al:
        if et_al_last:
            ellipsis = self.unicode_character("horizontal ellipsis")
            output[-1] = ellipsis + " " + output[-1]
            text = self.join(output, delimiter)
        elif delimiter_precedes_et_al == "always" or (delimiter_precedes_et_al == "contextual" and len(output) >= 2):
            output.append(et_al)
            text = self.join(output, delimiter)
        else:
            text = self.join(output, delimiter) + " " + et_al
    elif and_ is not None and len(output) > 1:
        text = self.join(output[:-1], ", ")
        if delimiter_precedes_last == "always" or (delimiter_precedes_last == "contextual" and len(output) > 2):
            text = self.join([text, ""], ", ")
        else:
            text += " "
        text += f"{and_term} " + output[-1]
    else:
        text = self.join(output, delimiter)
    return text


def _names_process(self: Any, item: Any, names_context: Any = None, context: Any = None, **kwargs: Any) -> Any:
    """Names.process with its delimiter found once per element and context, and without summing
    rendered names to learn whether they are counts (they are when every one is a number);
    otherwise citeproc-py's, line by line."""
    if context is None:
        context = self
    if names_context is None:
        names_context = self
    roles = _ROLES.get(self)
    if roles is None:
        roles = _ROLES[self] = self.get("variable").split()
    try:
        ed_trans = (set(roles) == {"editor", "translator"} and item.reference.editor == item.reference.translator
                    and self.get_term("editortranslator").getchildren())
        if ed_trans:
            roles = ["editor"]
    except VariableError:
        ed_trans = False
    output = []
    for role in roles:
        if role in item.reference:
            name_elem = names_context.name
            if name_elem is None:
                name_elem = model.Name()
                names_context.insert(0, name_elem)
            text = name_elem.render(item, role, context=context, **kwargs)
            plural = len(item.reference[role]) > 1
            label_element = names_context.label
            if label_element is not None:  # without one, citeproc-py's None.render raised AttributeError
                try:
                    if ed_trans:
                        role = "editortranslator"
                    label = label_element.render(item, role, plural, **kwargs)
                    if label is not None:
                        if label_element is names_context.getchildren()[0]:
                            text = label + text
                        else:
                            text = text + label
                except AttributeError:
                    pass
            output.append(text)
    if output:
        if all(isinstance(text, int) for text in output):  # what sum(output) being an int tells
            total = sum(output)
            return str(total) if total > 0 else None
        if len(output) == 1 and output[0] is not None:  # what Delimited.join gives for one
            return output[0]
        key = (self, context)
        if key not in _NAMES_DELIMITERS:
            _NAMES_DELIMITERS[key] = self.get_parent_delimiter(context)
        return self.join(output, _NAMES_DELIMITERS[key])
    substitute = self.substitute()
    if substitute is not None:
        return substitute.render(item, context=context, **kwargs)
    raise VariableError


def _et_al(self: Any) -> Any:
    if self not in _ET_AL:
        _ET_AL[self] = model.Name.et_al(self)
    return _ET_AL[self]


def element_class(cls: type) -> type:
    """`cls` (a citeproc-py element class, or a subclass of one) with its look-ups kept."""
    extra: dict[str, Any] = {"calls_variable": _calls_variable} if hasattr(cls, "calls_variable") else {}
    # A locale's cs:date-part takes attributes from the style's cs:date each time it renders
    # (Date_Part.process): its attributes are read afresh, as citeproc-py reads them.
    fixed = not issubclass(cls, model.Date_Part)
    if issubclass(cls, model.Formatted) and fixed:
        extra["format"] = _format
    if issubclass(cls, model.Affixed) and fixed:
        extra["wrap"] = _affixed
    if issubclass(cls, model.StrippedPeriods) and fixed:
        extra["strip_periods"] = _strip_periods
    if issubclass(cls, model.TextCased) and fixed:
        extra["case"] = _case
    if issubclass(cls, model.Quoted):
        extra["quote"] = _quote
    if issubclass(cls, model.Parent):
        extra["render_children"] = _render_children
    if issubclass(cls, model.Group):  # _group_render calls _group_process and _decorated itself
        assert fixed and getattr(cls, "process") is model.Group.process  # noqa: B009  (a class of citeproc-py)
        extra.update(process=_group_process, render=_group_render)
    if issubclass(cls, model.Macro):
        extra["render"] = _macro_render
    if issubclass(cls, model.Choose):
        extra["render"] = _choose_render
    if issubclass(cls, model.Text):
        plain = getattr(cls, "process") is model.Text.process and getattr(cls, "markup") is model.Text.markup  # noqa: B009
        extra.update(process=_text_process, markup=_text_markup, render=_fixed_text_render if plain else _text_render)
    if issubclass(cls, model.Name):
        extra.update(get_option=_name_option, et_al=_et_al)
        if getattr(cls, "process", None) is model.Name.process:
            extra["process"] = name_process
    if issubclass(cls, model.Names):
        extra["process"] = _names_process
    return type(cls.__name__, (Cached, cls), extra)


# Every CSL element by tag, as citeproc-py's parser finds its class.
_CLASSES = {cls.__name__.replace("_", "-").lower(): element_class(cls)
            for cls in model.CitationStylesElement.__subclasses__()}
_DEFAULT = element_class(model.CitationStylesElement)


def lookup(overrides: dict[str, type]) -> etree.ElementNamespaceClassLookup:
    """The class lookup for a CSL parser: every element of the CSL namespace as its citeproc-py
    class, or as the class `overrides` gives its tag (made with `element_class`)."""
    result = etree.ElementNamespaceClassLookup()
    namespace = result.get_namespace(CSL_NS)
    namespace[None] = _DEFAULT
    namespace.update({**_CLASSES, **overrides})
    return result
