#!/usr/bin/env python3
"""Jinja2 oracle for elt's differential tests.

Reads JSON requests, one per line, on stdin and writes one JSON answer per
line on stdout, flushing after each, so it works both as a batch filter and
as a long-lived coprocess.

Request:  {"id": ..., "template": "...", "context": {...},
           "templates": {"name": "source", ...}, "undefined": "strict"}
Answer:   {"id": ..., "output": "..."}
      or  {"id": ..., "error": "<exception class>", "message": "...",
           "lineno": N or null}

The environment is configured the way dbt configures its own: a sandboxed
environment with the `do` and `loopcontrols` extensions, no autoescaping and
the default Undefined unless the request asks for "strict" or "chainable".

With --macro-calls it instead reads one JSON document from stdin,
    {"packages": [{"namespace": "dbt_utils", "files": {"path": "source"}}, ...],
     "stubs": "jinja source of the dbt.* stub macros",
     "vars": {...}, "target": {...},
     "calls": [{"namespace": ..., "macro": ..., "args": [...], "kwargs": {...}}]}
loads every package's macro files into one context as dbt does (each
macro reachable by name and as namespace.name, {% test %} blocks as
test_<name> macros), calls each macro and writes a JSON list of answers,
{"output": str(result)} or {"error": class, "message": ...}. The names a
dbt macro expects from dbt (adapter.dispatch, adapter.quote, var, target,
config, log, exceptions, return, execute, this, dbt.*) are small stubs,
defined identically in jinja/packages_test.go: they exist to compare the
two engines on the same inputs, not to imitate dbt.
"""

import json
import signal
import sys

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.runtime
import jinja2.sandbox

UNDEFINED = {
    None: jinja2.Undefined,
    "": jinja2.Undefined,
    "default": jinja2.Undefined,
    "lenient": jinja2.Undefined,
    "strict": jinja2.StrictUndefined,
    "chainable": jinja2.ChainableUndefined,
}


def template_lineno(exc):
    """The template line an exception was raised at, or None.

    Jinja2 rewrites tracebacks so that frames of compiled template code carry
    the template's file name ("<template>" for templates without one) and
    the template line; the innermost such frame is where the error happened.
    """
    lineno = getattr(exc, "lineno", None)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return lineno
    tb = exc.__traceback__
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == "<template>" or "__jinja_exception__" in tb.tb_frame.f_globals:
            found = tb.tb_lineno
        tb = tb.tb_next
    return found


# RENDER_SECONDS bounds one render: a generated template can loop for
# minutes (nested loops over the sandbox's largest ranges), which would
# stall the fuzzer that asked, minimizing one input render after render.
# Such a render answers OracleTimeout, which the tests do not compare.
RENDER_SECONDS = 3


class OracleTimeout(Exception):
    pass


def on_alarm(signum, frame):
    raise OracleTimeout("the render took over %d s" % RENDER_SECONDS)


def answer(req):
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(RENDER_SECONDS)
    try:
        return render(req)
    except OracleTimeout as exc:
        return {"id": req.get("id"), "error": "OracleTimeout", "message": str(exc), "lineno": None}
    finally:
        signal.alarm(0)


def render(req):
    rid = req.get("id")
    undefined = UNDEFINED.get(req.get("undefined"))
    if undefined is None:
        return {"id": rid, "error": "OracleError",
                "message": "unknown undefined policy %r" % req.get("undefined"), "lineno": None}
    try:
        env = jinja2.sandbox.SandboxedEnvironment(
            extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
            undefined=undefined,
            loader=jinja2.DictLoader(req.get("templates") or {}),
        )
        tmpl = env.from_string(req.get("template", ""))
        out = tmpl.render(req.get("context") or {})
        return {"id": rid, "output": out}
    except BaseException as exc:  # noqa: B036 - every failure is an answer
        if isinstance(exc, (KeyboardInterrupt, SystemExit, OracleTimeout)):
            raise
        try:
            message = str(exc)
        except BaseException:  # an exception whose str() itself fails
            message = repr(exc)
        return {"id": rid, "error": type(exc).__name__, "message": message,
                "lineno": template_lineno(exc)}


class TestBlockExtension(jinja2.ext.Extension):
    """dbt's {% test name(args) %}...{% endtest %}: a macro test_<name>."""

    tags = {"test"}

    def parse(self, parser):
        node = jinja2.nodes.Macro(lineno=next(parser.stream).lineno)
        node.name = "test_" + parser.parse_assign_target(name_only=True).name
        parser.parse_signature(node)
        node.body = parser.parse_statements(("name:endtest",), drop_needle=True)
        return node


class MacroReturn(Exception):
    def __init__(self, value):
        super().__init__()
        self.value = value


class CompilationError(Exception):
    pass


class Namespace(dict):
    """A package's macros by name (dbt_utils.star): a mapping, as dbt's
    namespaces are, so the sandbox finds dbt_utils._is_relation through
    the item lookup it falls back to."""


class Stub:
    def __init__(self, **attrs):
        self.__dict__.update(attrs)


def macro_calls(doc):
    env = jinja2.sandbox.SandboxedEnvironment(
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols", TestBlockExtension])
    ctx = dict(env.globals)  # range, dict, namespace, ...
    namespaces = {}

    def load(namespace, files):
        macros = namespaces.setdefault(namespace, {})
        for path in sorted(files):
            # Run the file's top level in the shared context and take every
            # macro it defines (a module would hide names starting with _,
            # which dbt does not).
            tmpl = env.from_string(files[path])
            context = tmpl.new_context(ctx, shared=True)
            for _ in tmpl.root_render_func(context):
                pass
            for name, value in context.vars.items():
                if isinstance(value, jinja2.runtime.Macro):
                    macros[name] = wrap(value)
        return macros

    def wrap(macro):
        def call(*args, **kwargs):
            try:
                return macro(*args, **kwargs)
            except MacroReturn as ret:
                return ret.value
        return call

    def return_(value=None):
        raise MacroReturn(value)

    def dispatch(macro_name, macro_namespace=None):
        spaces = [macro_namespace] if macro_namespace else list(namespaces)
        for prefix in ("postgres__", "default__", ""):
            for space in spaces + ["dbt"]:
                m = namespaces.get(space, {}).get(prefix + macro_name)
                if m is not None:
                    return m
        raise CompilationError("No macro named %r found within namespace: %r" % (macro_name, macro_namespace))

    def raise_compiler_error(msg):
        raise CompilationError(msg)

    def var(name, default=None):
        return doc.get("vars", {}).get(name, default)

    def config_get(name, default=None):
        return default

    ctx.update({
        "adapter": Stub(dispatch=dispatch, quote=lambda s: '"%s"' % s),
        "var": var,
        "target": doc.get("target", {}),
        "config": Stub(get=config_get),
        "log": lambda msg, info=False: "",
        "exceptions": Stub(raise_compiler_error=raise_compiler_error, warn=lambda msg: ""),
        "return": return_,
        "execute": True,
        "this": "this_model",
    })
    ctx["dbt"] = Namespace(load("dbt", {"stubs.sql": doc["stubs"]}))
    for pkg in doc["packages"]:
        ctx[pkg["namespace"]] = Namespace(load(pkg["namespace"], pkg["files"]))
    for space in [p["namespace"] for p in doc["packages"]]:
        for name, m in namespaces[space].items():
            ctx.setdefault(name, m)
    answers = []
    for call in doc["calls"]:
        try:
            fn = namespaces[call["namespace"]][call["macro"]]
            out = fn(*call.get("args", []), **call.get("kwargs", {}))
            answers.append({"output": out if isinstance(out, str) else str(out)})
        except Exception as exc:  # noqa: BLE001 - every failure is an answer
            answers.append({"error": type(exc).__name__, "message": str(exc)})
    return answers


def main():
    if sys.argv[1:] == ["--macro-calls"]:
        json.dump(macro_calls(json.load(sys.stdin)), sys.stdout)
        return
    sys.setrecursionlimit(1000)
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError as exc:
            resp = {"id": None, "error": "OracleError", "message": "bad request: %s" % exc, "lineno": None}
        else:
            resp = answer(req)
        sys.stdout.write(json.dumps(resp, ensure_ascii=True) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
