"""The one jinja2 environment: autoescape on, strict, the KB's `templates/` before the packaged ones
(for Markdown templates every `{{ value }}` Markdown-escaped instead, kb.markdown); and rendering
with it, where a template's error becomes a finding at the template's line."""

from __future__ import annotations

import hashlib
import keyword
import os
import re
import tomllib
import traceback
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from functools import cache, lru_cache
from importlib import resources
from io import StringIO
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from jinja2.bccache import Bucket
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.loaders import split_template_path
from jinja2.nodes import Call, Const, Expr, Getattr, Impossible, Include, Output, TemplateData
from markupsafe import escape

from kb import links, markdown
from kb.findings import TEMPLATE, Finding, Location, UnreadableInput
from kb.paths import Files

PACKAGED = resources.files("kb") / "templates"


_DICT_ATTRIBUTES = frozenset(dir(dict))


_HTML_SPECIAL = re.compile("[&<>'\"]")  # what markupsafe.escape replaces
# The test a compiled template makes of a string before it escapes it: none of those characters
# in it, each looked for in turn, which is faster than one search of the pattern above.
_HTML_PLAIN = " and ".join(f"{char!r} not in _kb_v" for char in "&<>'\"")


class _CodeGenerator(CodeGenerator):
    """The Python a template compiles to, cheaper where a report's pages spend their time, with
    the same output and errors: `{{ value }}` escaped by `_Environment.escaped` (a string with
    nothing to escape written without a call); `record.field` read from a dict in place, the key
    or, for `finding.get` and the like, the method, as `_Environment.getattr` would, without a
    call; and an include's output passed on with `yield from` instead of a loop that yields
    each piece again, or, in a loop, as one text."""

    def _markdown(self, frame: Frame) -> bool:
        """Whether `{{ value }}` is Markdown-escaped here (kb.markdown.finalize, no autoescape)."""
        return not frame.eval_ctx.autoescape and self.environment.finalize is markdown.finalize

    def _output_child_pre(self, node: Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not (frame.eval_ctx.autoescape or self._markdown(frame)):
            super()._output_child_pre(node, frame, finalize)
            return
        # a string with nothing to escape is written without a call of Python code
        self.write("(_kb_v if type(_kb_v := ")
        if finalize.src is not None and not self._markdown(frame):
            self.write(finalize.src)

    def _output_child_post(self, node: Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not (frame.eval_ctx.autoescape or self._markdown(frame)):
            super()._output_child_post(node, frame, finalize)
            return
        # a number is its digits, as escaping it would write them (`_kb_*`: write_commons)
        if self._markdown(frame):
            self.write(") is str and not _kb_markdown_special(_kb_v) else str(_kb_v) if type(_kb_v) is int"
                       " else str(_kb_finalize(_kb_v)))")
            return
        if finalize.src is not None:
            self.write(")")
        self.write(f") is str and {_HTML_PLAIN} else str(_kb_v) if type(_kb_v) is int else _kb_escaped(_kb_v))")

    def visit_Call(self, node: Call, frame: Frame, forward_caller: bool = False) -> None:
        if (forward_caller or self.environment.is_async or self.environment.sandboxed or node.dyn_args
                or node.dyn_kwargs or any(keyword.iskeyword(kwarg.key) for kwarg in node.kwargs)):
            super().visit_Call(node, frame, forward_caller)
            return
        # a function marked `direct`, or a dict's method (`finding.get`), is called as it is, not
        # through Context.call, which looks for a context or environment to pass it first (a
        # leaflet's page calls `say` some six hundred times)
        arguments = self._written(lambda: self.signature(node, frame))  # ", a, b, key=c" or ""
        extra = "".join(f", {name}={name}" for name, given in (("_loop_vars", frame.loop_frame),
                                                                ("_block_vars", frame.block_frame)) if given)
        self.write("(_kb_f(" + arguments.removeprefix(", ") + ") if getattr(_kb_f := ")
        self.visit(node.node, frame)
        self.write(", 'kb_direct', False) or type(_kb_f) is _kb_method and type(_kb_f.__self__) is dict"
                   f" else context.call(_kb_f{arguments}{extra}))")

    def _written(self, write: Callable[[], None]) -> str:
        """What `write` writes, kept apart from the template's code."""
        stream, self.stream = self.stream, StringIO()
        try:
            write()
            return self.stream.getvalue()
        finally:
            self.stream = stream

    def write_commons(self) -> None:
        super().write_commons()
        # what every `{{ value }}` calls, as local names of the root and each block function
        # (a macro's body reads them from the function it is defined in)
        self.writeline("_kb_markdown_special = environment.markdown_special")
        self.writeline("_kb_escaped = environment.escaped")
        self.writeline("_kb_finalize = environment.finalize")
        self.writeline("_kb_method = environment.builtin_method")

    def visit_Output(self, node: Output, frame: Frame) -> None:
        if frame.buffer is not None or (frame.require_output_check and self.has_known_extends):
            super().visit_Output(node, frame)
            return
        # The pieces of one stretch of output (text and the values between tags) are joined
        # where they are made and given on as one: each yield is a step of every generator
        # around it (an include, an extends), and a page's template yields thousands.
        finalize = self._make_finalize()
        body: list[list[Any] | Expr] = []
        for child in node.nodes:  # constants evaluated now, as jinja2's own visit_Output does
            try:
                if not (finalize.const or isinstance(child, TemplateData)):
                    raise Impossible()
                const = self._output_child_to_const(child, frame, finalize)
            except Exception:  # noqa: BLE001  (evaluated at run time, where an error is raised)
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        if len(body) < 2:
            super().visit_Output(node, frame)
            return
        if frame.require_output_check:
            self.writeline("if parent_template is None:")
            self.indent()
        self.writeline('yield "".join((')
        self.indent()
        for item in body:
            if isinstance(item, list):
                self.writeline(self._output_const_repr(item) + ",")
                continue
            self.newline(item)  # the template's line of each value, for its errors
            self._output_child_pre(item, frame, finalize)
            self.visit(item, frame)
            self._output_child_post(item, frame, finalize)
            self.write(",")
        self.outdent()
        self.writeline("))")
        if frame.require_output_check:
            self.outdent()

    @optimizeconst
    def visit_Getattr(self, node: Getattr, frame: Frame) -> None:
        if self.environment.is_async:
            super().visit_Getattr(node, frame)
            return
        name = repr(node.attr)
        if node.attr in _DICT_ATTRIBUTES:  # `finding.get`: a method every dict has
            found, condition = f"_kb_o.{node.attr}", "is dict"
        else:
            found, condition = f"_kb_o[{name}]", f"is dict and {name} in _kb_o"
        self.write(f"({found} if type(_kb_o := ")
        self.visit(node.node, frame)
        self.write(f") {condition} else environment.getattr(_kb_o, {name}))")

    def visit_Include(self, node: Include, frame: Frame) -> None:
        if (node.ignore_missing or not node.with_context or frame.buffer is not None or self.environment.is_async
                or not isinstance(node.template, Const) or not isinstance(node.template.value, str)):
            super().visit_Include(node, frame)
            return
        self.writeline("template = environment.get_template(", node)
        self.visit(node.template, frame)
        self.write(f", {self.name!r})")
        # In a loop (a claim's card, a work's verification), the include's pieces are joined in C
        # and passed on as one: each would otherwise go through every template around it.
        self.writeline(f"yield {'environment.concat(' if frame.loop_frame else 'from '}template.root_render_func("
                       f"template.new_context(context.get_all(), True, {self.dump_local_context(frame)})"
                       f"){')' if frame.loop_frame else ''}")


class _Context(jinja2.runtime.Context):
    """jinja2's context, with the names of the template's globals gathered from its maps at once
    (a page makes a context for each include, a hundred or more, and jinja2 gathers them from
    a ChainMap one by one)."""

    def __init__(self, environment: jinja2.Environment, parent: dict[str, Any], name: str | None,
                 blocks: dict[str, Callable[[jinja2.runtime.Context], Iterator[str]]],
                 globals: MutableMapping[str, Any] | None = None) -> None:
        super().__init__(environment, parent, name, blocks)
        if globals is not None:
            self.globals_keys = set().union(*globals.maps) if isinstance(globals, ChainMap) else set(globals)


_Function = TypeVar("_Function", bound=Callable[..., Any])


def direct(function: _Function) -> _Function:
    """`function` marked to be called by a compiled template as it is, not through jinja2's
    `Context.call`: for a function that takes no context or environment (jinja2's `pass_context`
    and the like) and raises no StopIteration (which `Context.call` makes an undefined value)."""
    vars(function)["kb_direct"] = True
    return function


# A work's DOI link, asked for by every page showing the work, some three times each (a claim's
# source, the works list, the page's data): kb.links.doi_href, remembered.
doi_href = direct(lru_cache(maxsize=1 << 16)(links.doi_href))


class _Environment(jinja2.Environment):
    """Knows the KB root, so that a template's error names the file a person edits.

    `record.field` on a dict looks the key up first when `dict` has no such attribute.

    Jinja tries the attribute first and takes the key after the AttributeError; the same
    answer, but raising that error for every field was half the time of a large report.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)

    def get_template(self, name: str | jinja2.Template, parent: str | None = None,
                     globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:
        """jinja2's, the template found once per name: an include asks for it again at each
        claim, and templates are not reloaded during a run (auto_reload is off)."""
        if globals is not None or not isinstance(name, str):
            return super().get_template(name, parent, globals)
        found = self.found.get((name, parent))
        if found is None:
            found = self.found[(name, parent)] = super().get_template(name, parent)
        return found

    kb_root: Path | None = None  # the KB whose `templates/` come first; None for the packaged ones alone
    found: dict[tuple[str, str | None], jinja2.Template]  # see get_template
    context_class = _Context
    code_generator_class = _CodeGenerator
    markdown_special = markdown.SPECIAL  # what the compiled templates look for before they escape as Markdown
    builtin_method: type = type({}.get)  # a dict's method, which compiled templates call directly

    @staticmethod
    def escaped(value: Any) -> str:
        """What `{{ value }}` writes in an HTML template: `markupsafe.escape(value)`, the same
        text, but a string with nothing to escape, the most of a million, as it is, and a
        number as its digits, instead of a new `Markup` of each."""
        if type(value) is str:
            return escape(value) if _HTML_SPECIAL.search(value) else value
        return str(value) if type(value) is int else escape(value)


class _Compiled(jinja2.FileSystemBytecodeCache):
    """Templates compiled by an earlier run, kept in a folder: compiling the report's templates
    is a fifth of a second, which a run that renders one leaflet again need not pay.

    jinja2 takes an entry only for the same template source, jinja2 and Python; the key here
    also holds this module's own code (the code generator above) and the kind of environment
    (HTML or Markdown templates compile differently). A folder that cannot be made or written
    is no cache: the templates are compiled, as without one."""

    def __init__(self, folder: Path, kind: str) -> None:
        super().__init__(str(folder))
        self.folder = folder
        self.salt = f"{_generator_version()}|{kind}"

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(f"{self.salt}|{name}", filename)

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:  # no folder there (a file in its place): the bucket stays empty
            pass

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


@cache
def _generator_version() -> str:
    """A hash of this module, whose code generator decides what a template compiles to."""
    return hashlib.blake2b(Path(__file__).read_bytes(), digest_size=16).hexdigest()


class _KBTemplates(jinja2.BaseLoader):
    """The KB's own `templates/`, read through `kb.paths`: a template that is a symbolic link
    out of the KB, a named pipe or too large is a finding (raised as `UnreadableInput`), never
    read. jinja2's FileSystemLoader refuses `..` in a name, but follows symbolic links."""

    def __init__(self, kb_root: Path) -> None:
        self.folder = kb_root / "templates"
        self.files = Files(kb_root)

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)  # TemplateNotFound for a name with `..`
        path = self.folder.joinpath(*pieces)
        if not self.files.exists(path):
            raise jinja2.TemplateNotFound(template)  # the packaged one is looked for next
        text = self.files.read_text(path, self.files.shown(path))
        if isinstance(text, Finding):
            raise UnreadableInput([text])
        return text, os.path.normpath(path), lambda: True


def environment(kb_root: Path | None, markdown_templates: bool = False,
                compiled: Path | None = None) -> jinja2.Environment:
    """`name` finds the KB's own template first; `default:name` always the packaged one,
    so that an override can `{% extends "default:report.html.j2" %}`. With `compiled`, a
    folder, templates compiled once are kept there for the next run (`_Compiled`).

    With `markdown_templates` (report.md, the md and pandoc leaflets) every `{{ value }}` is
    escaped as Markdown text unless it is `kb.markdown.Markdown` already, as an HTML template
    escapes it as HTML: a value from data shows as text, none can be forgotten. Every template
    has `href` and `doi_href` (kb.links), the one say on what may be a link."""
    packaged = jinja2.FileSystemLoader(str(PACKAGED))
    search: list[jinja2.BaseLoader] = []
    if kb_root is not None and (kb_root / "templates").is_dir():
        search.append(_KBTemplates(kb_root))
    search.append(packaged)
    loader = jinja2.PrefixLoader({"default": packaged}, delimiter=":")
    env = _Environment(
        loader=jinja2.ChoiceLoader([loader, *search]),
        # whether a template is escaped is asked again for every context made of it (each include)
        autoescape=False if markdown_templates else cache(jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2", "htm"), default=False)),
        finalize=markdown.finalize if markdown_templates else None,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # one run renders with the templates it started with: no stat per include
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=None if compiled is None else _Compiled(compiled, "markdown" if markdown_templates else "html"),
    )
    env.kb_root = kb_root
    env.found = {}
    env.globals.update(href=direct(links.href), doi_href=doi_href)
    if markdown_templates:
        env.filters["code"] = markdown.code
    return env


def render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """The template `name` rendered whole; an error in it (or in one it includes or extends)
    raises `UnreadableInput` with a `template` finding at the template's line."""
    try:
        return env.get_template(name).render(context)
    except UnreadableInput:  # a KB template that is not read at all says why itself
        raise
    except Exception as error:
        raise UnreadableInput([template_finding(env, name, error)]) from error


# Pieces of a template's output passed on as one text: a large report's template yields some
# twenty million, each a few characters, and every layer above (the data's mark, the writer)
# would otherwise take them one by one.
_PIECES = 4096


def generate(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> Iterator[str]:
    """The template `name` rendered part by part, as it is written: an error half-way raises
    `UnreadableInput` from the writer's loop, which then leaves the previous output in place."""
    try:
        pieces = env.get_template(name).generate(context)
        while batch := list(islice(pieces, _PIECES)):  # taken and joined in C, not piece by piece
            yield "".join(batch)
    except UnreadableInput:
        raise
    except Exception as error:
        raise UnreadableInput([template_finding(env, name, error)]) from error


def template_finding(env: jinja2.Environment, name: str, error: Exception) -> Finding:
    """Where `error` arose in the templates, from jinja2's own information: a syntax error knows
    its file and line; at run time jinja2 rewrites the traceback so that the frames of template
    code carry the template's file and line, and the innermost of them is where it failed."""
    location = None
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        shown = _display(env, error.filename)
        location = Location(shown, error.lineno) if shown else None
    else:
        for frame, line in traceback.walk_tb(error.__traceback__):
            shown = _display(env, frame.f_code.co_filename)
            if shown is not None:
                location = Location(shown, line)
    if location is None:  # no template code ran: the one named could not be loaded
        location = Location(_display_name(env, name), 0)
    return TEMPLATE.finding(location, _message(error))


def _message(error: Exception) -> str:
    """jinja2's own message; a Python error's with its type, which says more than its text alone."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        return error.message or str(error)
    if isinstance(error, jinja2.TemplatesNotFound):
        return f"none of the templates {', '.join(map(repr, error.templates))} exists"
    if isinstance(error, jinja2.TemplateNotFound):
        return f"no template named {error.name!r}"
    if isinstance(error, jinja2.TemplateError):
        return error.message or type(error).__name__
    return f"{type(error).__name__}: {error}"  # a Python error inside the template, e.g. a filter given None


def _display(env: jinja2.Environment, filename: str) -> str | None:
    """A template's file as a person finds it: relative to the KB root for the KB's own, as
    `kb/templates/...` for a packaged one; None when the file is no template (Python code)."""
    path = Path(os.path.abspath(filename))
    root = getattr(env, "kb_root", None)
    if root is not None and path.is_relative_to(os.path.abspath(root / "templates")):
        return path.relative_to(os.path.abspath(root)).as_posix()
    packaged = Path(os.path.abspath(str(PACKAGED)))
    if path.is_relative_to(packaged):
        return (Path("kb") / "templates" / path.relative_to(packaged)).as_posix()
    return None


def _display_name(env: jinja2.Environment, name: str) -> str:
    """The file the template `name` would be read from, as `_display` shows it."""
    root = getattr(env, "kb_root", None)
    if not name.startswith("default:") and root is not None and (root / "templates" / name).is_file():
        return (Path("templates") / name).as_posix()
    return (Path("kb") / "templates" / name.removeprefix("default:")).as_posix()


@cache
def interface(lang: str) -> dict[str, Any]:
    """Interface text of reports in `lang` ("nl" or "en")."""
    data = tomllib.loads((resources.files("kb") / "data" / "interface.toml").read_text(encoding="utf-8"))
    return dict(data[lang])


def localise(text: str, lang: str) -> str:
    """A reason made in English, its fixed phrases put in `lang` (interface.toml `reasons`)."""
    for english, translated in interface(lang)["reasons"]:
        if english in text:
            text = text.replace(english, translated)
    return text


# The one language vocabulary of every command: a language or a locale, in any case.
LOCALES = {"nl": "nl-NL", "nl-nl": "nl-NL", "en": "en-US", "en-us": "en-US"}
LANGUAGE_CHOICES = ("nl", "nl-NL", "en", "en-US")


def locale_of(language: str) -> str:
    """The CSL locale of a language ("nl", "nl-NL", "en", "en-US"; a leaflet's "en-GB" is English)."""
    value = language.strip().lower()
    return LOCALES.get(value) or ("en-US" if value.startswith("en") else "nl-NL")


def language_of(language: str) -> str:
    """The interface language ("nl" or "en") of a language or locale."""
    return locale_of(language)[:2]


LEAFLET_TEMPLATES = {"md": "leaflet.md.j2", "html": "leaflet.html.j2", "pandoc": "leaflet.pandoc.j2"}
LEAFLET_FORMATS = tuple(LEAFLET_TEMPLATES)


def bibliography_name(out_name: str) -> str:
    """The CSL-JSON file written beside a pandoc leaflet: `leaflet.md` -> `leaflet.json`."""
    stem = out_name.rsplit(".", 1)[0] if "." in out_name else out_name
    return stem + ".json"
