"""Where each layer is defined in the training code, so that a diagnosis can point at ``self.fc1 = nn.Linear(...)``.

With inspect and ast: a module registered as attribute ``fc1`` of its parent is found at the assignment
``self.fc1 = ...`` in the ``__init__`` of the parent's class (or of a base class). A module created inline as an
argument of ``nn.Sequential(...)`` / ``nn.ModuleList([...])`` points at its own argument; when the container was built
from a list (``nn.Sequential(*layers)``) it points at the container's own assignment. A model that is itself an
``nn.Sequential(...)`` written in the script is found by its call (the first ``Sequential(...)`` call in the script
whose arguments match the model's modules, in the files of
the code that created the Monitor). Anything not found has no source (never a guess at another line).
"""
import ast
import functools
import inspect
import os

from torch import nn

_CONTAINERS = (nn.Sequential, nn.ModuleList)


@functools.lru_cache(maxsize=64)
def _parse(path):
    with open(path, encoding="utf-8") as f:
        return ast.parse(f.read(), filename=path)


def _class_node(cls):
    """(file, ast.ClassDef) of a class defined in a Python source file, or None."""
    try:
        path = os.path.abspath(inspect.getsourcefile(cls))
        _, line = inspect.getsourcelines(cls)
        tree = _parse(path)
    except (TypeError, OSError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__ and _starts_at(node, line):
            return path, node
    return None


def _starts_at(node, line):
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return first == line or node.lineno == line


def _self_attribute(target, self_name, attr):
    return (
        isinstance(target, ast.Attribute)
        and target.attr == attr
        and isinstance(target.value, ast.Name)
        and target.value.id == self_name
    )


def _assignment_in_init(cls, attr):
    """(file, target node, value node) of ``self.<attr> = value`` in the __init__ of cls or a base class."""
    for klass in cls.__mro__:
        if klass in (nn.Module, object) or klass.__module__.startswith("torch."):
            continue
        found = _class_node(klass)
        if not found:
            continue
        path, class_node = found
        init = next(
            (n for n in class_node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
            None,
        )
        if init is None or not init.args.args:
            continue
        self_name = init.args.args[0].arg
        for node in ast.walk(init):
            if isinstance(node, ast.Assign):
                targets = [t for target in node.targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
                value = node.value
            elif isinstance(node, ast.AnnAssign):
                targets, value = [node.target], node.value
            else:
                continue
            for t in targets:
                if _self_attribute(t, self_name, attr):
                    return path, t, value if len(targets) == 1 else None
    return None


def _call_name(node):
    if isinstance(node, ast.Call):
        f = node.func
        return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
    return None


def _script_call(path, model):
    """The ``Sequential(...)`` call in the script that built `model`: its arguments name the model's modules in order."""
    try:
        tree = _parse(path)
    except (OSError, SyntaxError):
        return None
    names = [type(m).__name__ for m in model]
    for node in ast.walk(tree):
        if _call_name(node) == type(model).__name__ and not node.keywords:
            args = node.args
            if len(args) == len(names) and all(_call_name(a) == n for a, n in zip(args, names)):
                return node
    return None


def _location(path, node):
    return {"file": path, "line": node.lineno, "column": node.col_offset + 1}


class SourceFinder:
    """Source locations of the modules of one model, by qualified name."""

    def __init__(self, model, scripts=()):
        self.modules = dict(model.named_modules())
        self.scripts = [s for s in scripts if s]
        self._found = {}  # qualified name → (location or None, the Call node that built it or None)

    def location(self, name):
        return self._find(name)[0]

    def _find(self, name):
        if name not in self._found:
            try:
                self._found[name] = self._search(name)
            except Exception:  # a source we cannot read never stops training
                self._found[name] = (None, None, None)
        return self._found[name]

    def _search(self, name):
        """(location, file, value node) of the module `name`."""
        if name == "":
            root = self.modules[""]
            for script in self.scripts if isinstance(root, nn.Sequential) else []:
                call = _script_call(script, root)
                if call is not None:
                    return _location(script, call), script, call
            return None, None, None
        parent_name, _, attr = name.rpartition(".")
        parent = self.modules[parent_name]
        if isinstance(parent, _CONTAINERS) and attr.isdigit():
            location, path, call = self._find(parent_name)
            args = _container_items(call)
            index = int(attr)
            if args is not None and index < len(args):
                return _location(path, args[index]), path, args[index]
            return location, None, None  # built from a list: the container's own line
        found = _assignment_in_init(type(parent), attr)
        if found:
            path, target, value = found
            return _location(path, target), path, value
        return self._find(parent_name)[0], None, None


def _container_items(call):
    """The module expressions of ``Sequential(a, b, c)`` or ``ModuleList([a, b, c])``; None if not written out."""
    if not isinstance(call, ast.Call) or call.keywords:
        return None
    args = call.args
    if len(args) == 1 and isinstance(args[0], (ast.List, ast.Tuple)):
        args = args[0].elts
    elif len(args) == 1 and not isinstance(args[0], (ast.Call, ast.Name)):
        return None  # a comprehension or another expression: no argument per module
    if any(isinstance(a, ast.Starred) for a in args):
        return None
    return args
