"""The rule-file format, as pydantic models: validation and the JSON Schema editors use.

A ruleset directory holds ``ruleset.yaml`` (metadata and the list of files),
``regulation.yaml`` (the regulation's text by article, paragraph and item),
``sources.yaml`` (legal bases), parameter files, one file per article with its
decision tables, and ``cases/`` with golden cases.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import models_json_schema

from .tables import Aggregator, HitPolicy

_ID = r"^[a-z][a-z0-9_.\-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _openable(name: str) -> str:
    if "\x00" in name:  # no OS opens such a path
        raise ValueError("a file name must not hold a NUL character")
    return name


FileName = Annotated[str, AfterValidator(_openable)]


class RulesetSpec(_Strict):
    """``ruleset.yaml``: what the ruleset is and which files make it."""

    name: str = Field(pattern=_ID)
    version: str
    effective: dt.date = Field(description="date the regulation took effect (as-of evaluation starts here)")
    title_zh: str
    title_en: str
    source: str = Field(description="where the regulation text comes from")
    regulation: FileName = "regulation.yaml"
    sources: FileName = "sources.yaml"
    parameters: list[FileName]
    articles: list[FileName]
    cases: FileName = "cases"
    contexts: dict[str, list[FileName]] = Field(
        {}, description="article files whose tables read another input than the observation "
                        "(a record such as a ledger entry), keyed by the name of that input")


class ItemSpec(_Strict):
    item: int = Field(ge=1)
    text_zh: str
    non_computable: str | None = None


class ParagraphSpec(_Strict):
    text_zh: str
    items: list[ItemSpec] = []
    non_computable: str | None = Field(None, description="why no rule implements this clause")


class ArticleTextSpec(_Strict):
    article: int = Field(ge=1)
    chapter: str
    paragraphs: list[ParagraphSpec]


class RegulationSpec(_Strict):
    """``regulation.yaml``: the text, clause by clause, for citations and coverage."""

    title_zh: str
    articles: list[ArticleTextSpec]


class LegalSourceSpec(_Strict):
    name_zh: str
    name_en: str
    tag: Literal["WZ", "LAW", "PARAM"]
    reference: str | None = None
    from_: dt.date | None = Field(None, alias="from", description="first day the provision is in force")
    repealed: dt.date | None = Field(None, description="first day the provision is no longer in force")
    replaced_by: list[str] = Field(
        [], description="the source or sources in force from 'repealed' on (a renumbered or split article): "
                        "rules citing this one cite those in decisions dated on or after 'repealed'")
    covered_by: list[str] = Field(
        [], description="repealed with no successor of its own, its acts covered by these sources (in force on "
                        "'repealed'), which every rule citing it also cites: from 'repealed' on, those alone")
    new_provision: bool = Field(
        False, description="a provision with no predecessor: rules in force before 'from' may cite it, and "
                           "decisions dated before 'from' leave it out")
    lighter: bool = Field(
        False, description="a successor that punishes less than the provision it replaces: an act done before "
                           "'from' and decided later is judged by it (行政处罚法 第三十七条, 从旧兼从轻)")

    @field_validator("replaced_by", "covered_by", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class SourcesSpec(_Strict):
    """``sources.yaml``: legal bases that rules cite by key."""

    sources: dict[str, LegalSourceSpec]


class DatedValueSpec(_Strict):
    from_: dt.date = Field(alias="from")
    value: Any


class ParameterSpec(_Strict):
    description_zh: str
    description_en: str
    unit: str | None = Field(None, description="unit of every value, e.g. 'mu', 'm', 'wan_yuan'")
    source: Literal["regulation", "law", "default"]
    reference: str = Field(description="the article or document behind the value, or why it is a default")
    used_by: str | None = Field(None, description="the registered function that reads it, when no table does")
    values: list[DatedValueSpec] = Field(min_length=1)
    sum_of: list[str] = Field([], description="parameters whose values must add up to this one on every date "
                                              "(e.g. weights and their declared total)")


class ParametersSpec(_Strict):
    parameters: dict[str, ParameterSpec]


class CiteSpec(_Strict):
    article: int = Field(ge=1)
    paragraph: int | None = Field(None, ge=1)
    item: int | None = Field(None, ge=1)
    basis: list[str] = []


class RuleSpec(_Strict):
    id: str = Field(pattern=_ID)
    when: dict[str, Any] = {}
    then: dict[str, Any] = {}
    cite: CiteSpec
    note: str | None = None
    from_: dt.date | None = Field(None, alias="from",
                                  description="first day the rule is in force (the law behind it took effect)")
    repealed: dt.date | None = Field(None, description="first day the rule is no longer in force")


class OutputSpec(_Strict):
    type: Literal["enum", "boolean", "quantity", "number", "text", "list"]
    values: list[str] = []
    dimension: str | None = None


class TableSpec(_Strict):
    id: str = Field(pattern=_ID)
    title_zh: str
    title_en: str
    hit_policy: HitPolicy
    inputs: list[str]
    outputs: dict[str, OutputSpec]
    rules: list[RuleSpec]
    default: dict[str, Any] | None = None
    aggregate: dict[str, Aggregator] = {}
    priority: str | None = Field(None, description="output whose value order ranks rules (priority policy)")
    gaps: str | None = Field(None, min_length=10, description=(
        "why no output is the right answer where no rule applies (single-hit tables without a default); "
        "`check` then reports the gaps as info, with this reason, instead of warnings"))


class ArticleSpec(_Strict):
    """One file per article (Catala's discipline): its text first, then its tables."""

    article: int = Field(ge=1)
    title_zh: str
    title_en: str
    quote_zh: str = Field(description="the article's text, copied exactly from regulation.yaml")
    tables: list[TableSpec] = []


class CaseSpec(_Strict):
    name: str = Field(description="a sentence saying what the case shows")
    input: dict[str, Any]
    expect: dict[str, Any]
    overlays: list[str] = []


class CasesSpec(_Strict):
    cases: list[CaseSpec]


def ruleset_json_schema() -> dict[str, Any]:
    """JSON Schema of every rule-file kind, keyed by kind."""
    kinds: dict[str, type[BaseModel]] = {
        "ruleset": RulesetSpec,
        "regulation": RegulationSpec,
        "sources": SourcesSpec,
        "parameters": ParametersSpec,
        "article": ArticleSpec,
        "cases": CasesSpec,
    }
    refs, schema = models_json_schema([(model, "validation") for model in kinds.values()], by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "patrolrules rule files",
        "anyOf": [refs[(model, "validation")] for model in kinds.values()],
        **schema,
    }
