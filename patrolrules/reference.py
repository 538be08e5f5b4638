"""The rule reference, generated from a ruleset: article by article, in Chinese and in English.

Each article page shows the article's text, the tables that implement it rendered
as tables, the parameters those tables read (values, units, dates, sources), and
the golden cases that exercise it. ``patrolrules reference --check`` fails when
the committed pages differ from what the ruleset generates.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from .engine.tables import AnyTest, Parameter, Rule, Table
from .labels import chinese_number
from .ruleset import Ruleset

LANGS = ("zh", "en")
_WORDS = {
    "zh": {"text": "条文", "tables": "决策表", "params": "参数", "cases": "示例（黄金用例）", "policy": "命中策略",
           "inputs": "输入", "rule": "规则", "cite": "依据", "note": "说明", "none": "本条没有决策表。",
           "name": "名称", "value": "取值", "from": "起始日期", "source": "来源", "ref": "出处",
           "index": "规则参考", "status": "状态", "implemented": "由决策表实现", "non_computable": "不可计算",
           "pending": "尚未实现", "default": "默认", "expect": "预期", "input": "输入",
           "gaps": "无规则适用时不输出，理由", "bases": "法律依据", "key": "键", "tag": "类别",
           "in_force": "施行期间", "replaced_by": "其后引用", "covered_by": "废止后无对应条文，其后由以下依据涵盖",
           "cited_by": "引用规则数",
           "new_provision": "新增条款，此前的决定不引用",
           "lighter": "处罚较轻，此前的行为亦适用（行政处罚法第三十七条）"},
    "en": {"text": "Text", "tables": "Decision tables", "params": "Parameters", "cases": "Golden cases",
           "policy": "Hit policy", "inputs": "Inputs", "rule": "Rule", "cite": "Citation", "note": "Note",
           "none": "No decision table implements this article.", "name": "Name", "value": "Value",
           "from": "From", "source": "Source", "ref": "Reference", "index": "Rule reference", "status": "Status",
           "implemented": "implemented by tables", "non_computable": "not computable", "pending": "not yet implemented",
           "default": "default", "expect": "expect", "input": "input",
           "gaps": "Where no rule applies there is no output, because", "bases": "Legal bases", "key": "Key",
           "tag": "Tag", "in_force": "In force", "replaced_by": "then cited as",
           "covered_by": "no successor of its own; then covered by", "cited_by": "Rules citing it",
           "new_provision": "a new provision, not cited by earlier decisions",
           "lighter": "punishes less, so it judges earlier acts too (行政处罚法 第三十七条)"},
}


def _in_force_text(start: dt.date | None, repealed: dt.date | None, lang: str) -> str:
    """The days a dated rule or source is in force, in words."""
    when = []
    if start is not None:
        when.append(f"自{start}起施行" if lang == "zh" else f"in force from {start}")
    if repealed is not None:
        when.append(f"{repealed}起不再适用" if lang == "zh" else f"not in force from {repealed}")
    return "，".join(when) if lang == "zh" else "; ".join(when)


def _note_text(rule: Rule, lang: str) -> str:
    """The rule's note, after the days it is in force when it is dated."""
    dated = _in_force_text(rule.start, rule.repealed, lang)
    if dated and rule.note:
        return f"（{dated}）{rule.note}" if lang == "zh" else f"({dated}) {rule.note}"
    return dated or rule.note or ""


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _test_text(table: Table, rule_index: int, name: str) -> str:
    test = table.rules[rule_index].test_for(name)
    return "-" if isinstance(test, AnyTest) else test.text()


def _output_text(value: Any) -> str:
    if value.param:
        return f"${value.param}"
    literal = value.literal
    return ", ".join(map(str, literal)) if isinstance(literal, tuple) else str(literal)


def _cite_text(ruleset: Ruleset, table: Table, index: int, lang: str) -> str:
    out = ruleset.cite(table.rules[index].citation)
    return out.ref_en if lang == "en" else out.ref_zh.split("》", 1)[-1]


def _table_md(ruleset: Ruleset, table: Table, lang: str) -> list[str]:
    w = _WORDS[lang]
    title = table.title_zh if lang == "zh" else table.title_en
    lines = [f"### `{table.id}` — {title}", "",
             f"{w['policy']}: `{table.hit_policy}`" + (f" (priority by `{table.priority_output}`)"
                                                        if table.priority_output else "")
             + (f"; aggregate: {', '.join(f'{o} {a}' for o, a in table.aggregate)}" if table.aggregate else ""), ""]
    if table.gaps:
        lines += [f"{w['gaps']}: {table.gaps}", ""]
    inputs = [name for name, _ in table.inputs]
    outputs = [name for name, _ in table.outputs]
    header = [w["rule"], *[f"`{i}`" for i in inputs], *[f"→ `{o}`" for o in outputs], w["cite"], w["note"]]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for index, rule in enumerate(table.rules):
        values = dict(rule.outputs)
        row = [f"`{rule.id}`", *[_cell(_test_text(table, index, i)) for i in inputs],
               *[_cell(_output_text(values[o])) if o in values else "" for o in outputs],
               _cell(_cite_text(ruleset, table, index, lang)), _cell(_note_text(rule, lang))]
        lines.append("| " + " | ".join(row) + " |")
    if table.default is not None:
        default = dict(table.default)
        row = [f"*{w['default']}*", *["" for _ in inputs],
               *[_cell(_output_text(default[o])) if o in default else "" for o in outputs], "", ""]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    return lines


def _params_md(params: list[Parameter], lang: str) -> list[str]:
    w = _WORDS[lang]
    lines = [f"| {w['name']} | {w['value']} | {w['from']} | {w['source']} | {w['ref']} |", "|---|---|---|---|---|"]
    for param in params:
        description = param.description_zh if lang == "zh" else param.description_en
        for dated in param.values:
            value = dated.value
            shown = ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)
            if param.unit:
                shown += f" {param.unit}"
            lines.append(f"| `{param.name}` — {_cell(description)} | {_cell(shown)} | {dated.start} | "
                         f"`{param.source}` | {_cell(param.reference)} |")
    return [*lines, ""]


def _sources_md(ruleset: Ruleset, lang: str) -> list[str]:
    """Every legal basis rules cite, with the dates it is in force and its successor (sources.yaml)."""
    w = _WORDS[lang]
    cited: dict[str, int] = {}
    for table in _all_tables(ruleset):
        for rule in table.rules:
            for key in rule.citation.basis:
                for cited_key in ruleset.graph.succession(key):  # successors are cited from their date on
                    cited[cited_key] = cited.get(cited_key, 0) + 1
    lines = [f"| {w['key']} | {w['name']} | {w['tag']} | {w['in_force']} | {w['cited_by']} |", "|---|---|---|---|---|"]
    for key, source in ruleset.loaded.sources.items():
        name = source.name_zh if lang == "zh" else source.name_en
        span = _in_force_text(source.from_, source.repealed, lang)
        if source.new_provision:
            span += f"{'，' if lang == 'zh' else '; '}{w['new_provision']}"
        if source.lighter:
            span += f"{'，' if lang == 'zh' else '; '}{w['lighter']}"
        for field in ("replaced_by", "covered_by"):
            if getattr(source, field):
                keys = ", ".join(f"`{k}`" for k in getattr(source, field))
                span += f"{'，' if lang == 'zh' else '; '}{w[field]} {keys}"
        lines.append(f"| `{key}` | {_cell(name)} | {source.tag} | {_cell(span)} | {cited.get(key, 0)} |")
    return [*lines, ""]


def _params_of(ruleset: Ruleset, tables: list[Table]) -> list[Parameter]:
    names: dict[str, None] = {}
    for table in tables:
        for rule in table.rules:
            for _, test in rule.tests:
                for bound in (getattr(test, "low", None), getattr(test, "high", None)):
                    if bound is not None and bound.param:
                        names.setdefault(bound.param, None)
            for _, value in rule.outputs:
                if value.param:
                    names.setdefault(value.param, None)
    params = ruleset.graph.parameters
    article_nos = {t.article for t in tables}
    for name, param in params.items():  # parameters read by domain code, filed with the article
        match = re.match(r"parameters/art(\d+)", param.position.file)
        if match and int(match.group(1)) in article_nos and name not in names:
            names.setdefault(name, None)
    return [params[n] for n in names]


def article_page(ruleset: Ruleset, article_no: int, lang: str) -> str:
    """One article's reference page in ``lang``."""
    w = _WORDS[lang]
    loaded = ruleset.loaded
    files = [(name, spec) for name, spec in (*loaded.articles, *loaded.context_articles) if spec.article == article_no]
    tables = [t for t in _all_tables(ruleset) if t.article == article_no]
    text = ruleset.cite(_article_citation(article_no)).text_zh
    if lang == "zh":
        title = f"第{chinese_number(article_no)}条" + (f" {files[0][1].title_zh}" if files else "")
    else:
        title = f"Article {article_no}" + (f" — {files[0][1].title_en}" if files else "")
    lines = [f"# {title}", "", f"## {w['text']}", "", *[f"> {line}  " for line in text.splitlines()], ""]
    lines += [f"## {w['tables']}", ""]
    if tables:
        for table in tables:
            lines += _table_md(ruleset, table, lang)
        params = _params_of(ruleset, tables)
        if params:
            lines += [f"## {w['params']}", "", *_params_md(params, lang)]
    else:
        lines += [w["none"], ""]
    cases = [(f, c) for f, _, c in loaded.cases if article_no in _articles_of_case_file(f)]
    if cases:
        lines += [f"## {w['cases']}", ""]
        for file, case in cases:
            lines.append(f"- **{_cell(case.name)}** (`{file}`)  ")
            lines.append(f"  {w['expect']}: `{_cell(_compact(case.expect))}`")
        lines.append("")
    return "\n".join(lines)


def _all_tables(ruleset: Ruleset) -> list[Table]:
    """The observation tables and every record context's tables (ledger, team, plans, assessment)."""
    return [*ruleset.graph.tables, *(t for g in ruleset.loaded.contexts.values() for t in g.tables)]


def _article_citation(article_no: int) -> Any:
    from .engine.tables import Citation

    return Citation(article_no)


def _articles_of_case_file(file: str) -> set[int]:
    """The articles a case file names: ``art09_14_15_coverage.yaml`` → 9, 14 and 15 (a list, not a range:
    ``art11_13_disposal`` holds cases of Arts. 11 and 13, none of Art. 12's teams)."""
    match = re.search(r"art(\d+(?:_\d+)*)", file)
    return set() if not match else {int(n) for n in match.group(1).split("_")}


def _compact(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def index_page(ruleset: Ruleset, lang: str) -> str:
    w = _WORDS[lang]
    loaded = ruleset.loaded
    lines = [f"# {w['index']}", "",
             f"{loaded.meta.title_zh} — `{ruleset.name}` {ruleset.version} (`{ruleset.content_id[:12]}`)", "",
             f"| # | {w['status']} |", "|---|---|"]
    implemented: dict[int, list[str]] = {}
    for table in _all_tables(ruleset):
        implemented.setdefault(table.article, []).append(table.id)
    for article in loaded.regulation.articles:
        number = article.article
        name = f"第{chinese_number(number)}条" if lang == "zh" else f"Art. {number}"
        label = f"[{name}](art{number:02d}.md)"
        reasons = [p.non_computable for p in article.paragraphs if p.non_computable]
        if number in implemented:
            status = f"{w['implemented']}: " + ", ".join(f"`{t}`" for t in implemented[number])
        elif reasons:
            status = f"{w['non_computable']}: {_cell(reasons[0])}"
        else:
            status = w["pending"]
        lines.append(f"| {label} | {status} |")
    lines += ["", f"## {w['params']}", "", *_params_md(list(ruleset.graph.parameters.values()), lang)]
    lines += [f"## {w['bases']}", "", *_sources_md(ruleset, lang)]
    return "\n".join(lines) + "\n"


def generate(ruleset: Ruleset) -> dict[str, str]:
    """Every reference page, keyed by its path under ``docs/reference/``."""
    pages: dict[str, str] = {}
    for lang in LANGS:
        pages[f"{lang}/index.md"] = index_page(ruleset, lang)
        for article in ruleset.loaded.regulation.articles:
            pages[f"{lang}/art{article.article:02d}.md"] = article_page(ruleset, article.article, lang) + "\n"
    return pages


def _differs(path: Path, text: str) -> bool:
    """Whether ``path`` is not a file holding exactly ``text`` (a page that is not UTF-8 differs)."""
    return not path.is_file() or path.read_bytes() != text.encode("utf-8")


def _extra(pages: dict[str, str], target: Path) -> list[str]:
    """Pages under ``target`` the ruleset no longer generates (e.g. of an article since removed)."""
    return sorted(str(p.relative_to(target)) for p in target.rglob("*.md") if str(p.relative_to(target)) not in pages)


def write(ruleset: Ruleset, target: Path) -> list[str]:
    """Write the pages and delete the ones no longer generated; return the paths that changed."""
    pages = generate(ruleset)
    changed = []
    for relative, text in pages.items():
        path = target / relative
        if _differs(path, text):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(relative)
    for relative in _extra(pages, target):
        (target / relative).unlink()
        changed.append(relative)
    return changed


def stale(ruleset: Ruleset, target: Path) -> list[str]:
    """Pages whose committed text differs from what the ruleset generates, missing, or no longer generated."""
    pages = generate(ruleset)
    return sorted([p for p, text in pages.items() if _differs(target / p, text)] + _extra(pages, target))
