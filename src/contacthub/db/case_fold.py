"""Whole names compared in any case, alike on SQLite and PostgreSQL (NGP VAN's firstName,
lastName and commonName; the `name` filter and `q` search texts folded at write instead, see
core/normalize.py).

PostgreSQL's lower() maps one letter to one letter; Python's str.lower() (SQLite's lower here,
see db/engine.py) follows Unicode's special rules: a word's last Σ becomes ς, İ becomes i and a
combining dot. So `name=ismail` missed "İsmail" on SQLite and `lastName=ΟΔΥΣΣΈΩΣ` missed
"Οδυσσέως" on PostgreSQL. Both sides of a comparison are folded by the same rule on both engines:
lower case, İ as I, the final ς as σ, the dotless ı as i (Turkish writes IŞIK for Işık).
"""

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def fold_case(text: str) -> str:
    """A name (or a searched one) as `folded_case` folds a column."""
    if text.isascii():
        return text.lower()
    return text.replace("İ", "I").lower().replace("ς", "σ").replace("ı", "i")


class folded_case(FunctionElement):  # noqa: N801 (named as SQL functions are)
    """A column's text as fold_case folds it, in SQL."""

    type = String()
    inherit_cache = True
    name = "folded_case"


@compiles(folded_case, "sqlite")
def _on_sqlite(element, compiler, **kw):
    return f"fold_case({compiler.process(element.clauses, **kw)})"  # fold_case itself (db/engine.py)


@compiles(folded_case)
def _in_sql(element, compiler, **kw):
    return f"translate(lower(translate({compiler.process(element.clauses, **kw)}, 'İ', 'I')), 'ςı', 'σi')"
