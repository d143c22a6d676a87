"""The demo catalogue's themes, read from `themes.txt` (its header explains the format).

Every demo platform is built from one theme: a platform name, its domain, city, certifications
and the vocabulary its offerings and the firms' needs written for it use. Nothing else in the
catalogue is shared between themes, so a quantum-measurement platform never rents fermenters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .. import vocab

THEMES_FILE = Path(__file__).with_name("themes.txt")
ORG_KINDS = ("enterprise", "institute", "university")
#: The first column of an offering line: the kind, or (for services) the service type.
KIND_CODES = {"设备": "equipment", "场地": "site", "工艺": "process"}


@dataclass(frozen=True)
class OfferingTemplate:
    kind: str  #: equipment | site | service | process
    service_type: str | None  #: for services, one of vocab.SERVICE_TYPES
    title: str  #: `{v}` is replaced with the scale drawn from `scales`
    specs: dict[str, str]
    description: str
    price: tuple[int, int] | None  #: (low, high) yuan, None for 面议
    unit: str | None  #: a key of vocab.PRICE_UNITS
    scales: tuple[str, ...]  #: values for `{v}`; empty when the template has none


@dataclass(frozen=True)
class DemandTemplate:
    title: str
    description: str
    kinds: tuple[str, ...]
    budget: tuple[int, int]  #: yuan
    scales: tuple[str, ...]


@dataclass
class Theme:
    domain: str
    name: str
    city: str = ""
    org: str = ""  #: the organisation is "<city>某<org>"
    org_kind: str = "enterprise"
    also: list[str] = field(default_factory=list)  #: further domains of the platform
    certifications: list[str] = field(default_factory=list)
    capabilities: str = ""
    intro: str = ""
    keywords: list[str] = field(default_factory=list)
    firms: list[str] = field(default_factory=list)  #: firms are "<city>某<firm>"
    offerings: list[OfferingTemplate] = field(default_factory=list)
    demands: list[DemandTemplate] = field(default_factory=list)

    @property
    def domains(self) -> list[str]:
        return [self.domain, *self.also]

    def fits(self, title: str) -> bool:
        """Does a title use this theme's vocabulary?"""
        return any(word in title for word in self.keywords)


class ThemeFileError(ValueError):
    pass


def _scales(text: str) -> tuple[str, ...]:
    return () if text.strip() in ("", "-") else tuple(text.split())


def _range(text: str, line_no: int) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)-(\d+)", text.strip())
    if not match or int(match[1]) > int(match[2]):
        raise ThemeFileError(f"line {line_no}: expected <low>-<high>, got {text!r}")
    return int(match[1]), int(match[2])


def _offering(fields: list[str], line_no: int) -> OfferingTemplate:
    if len(fields) != 6:
        raise ThemeFileError(f"line {line_no}: an offering has 6 fields, got {len(fields)}")
    code, title, specs_text, description, price_text, scales = fields
    if code in KIND_CODES:
        kind, service_type = KIND_CODES[code], None
    elif code in vocab.SERVICE_TYPES:
        kind, service_type = "service", code
    else:
        raise ThemeFileError(f"line {line_no}: unknown kind {code!r}")
    specs = {}
    for pair in filter(None, (p.strip() for p in specs_text.split("；"))):
        name, sep, value = pair.partition("：")
        if not sep or not name.strip() or not value.strip():
            raise ThemeFileError(f"line {line_no}: spec {pair!r} is not 名称：值")
        specs[name.strip()] = value.strip()
    if price_text.strip() == vocab.NEGOTIABLE:
        price, unit = None, None
    else:
        amounts, _, unit = price_text.partition("/")
        price = _range(amounts, line_no)
        if unit not in vocab.PRICE_UNITS:
            raise ThemeFileError(f"line {line_no}: unknown price unit {unit!r}")
    return OfferingTemplate(kind, service_type, title, specs, description, price, unit, _scales(scales))


def _demand(fields: list[str], line_no: int) -> DemandTemplate:
    if len(fields) != 5:
        raise ThemeFileError(f"line {line_no}: a need has 5 fields, got {len(fields)}")
    title, description, kinds, budget, scales = fields
    kinds = tuple(kinds.split())
    if not kinds or any(k not in vocab.OFFERING_KINDS for k in kinds):
        raise ThemeFileError(f"line {line_no}: unknown kinds {kinds!r}")
    low, high = _range(budget, line_no)
    return DemandTemplate(title, description, kinds, (low * 10000, high * 10000), _scales(scales))


def parse(text: str) -> list[Theme]:
    themes: list[Theme] = []
    domain = None
    for line_no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("== "):
            domain = line[3:].strip()
            if domain not in vocab.DOMAINS:
                raise ThemeFileError(f"line {line_no}: unknown domain {domain!r}")
            continue
        if line.startswith("--- "):
            if domain is None:
                raise ThemeFileError(f"line {line_no}: a theme before any domain")
            themes.append(Theme(domain=domain, name=line[4:].strip()))
            continue
        key, sep, value = line.partition(":")
        if not sep or not themes:
            raise ThemeFileError(f"line {line_no}: cannot read {line!r}")
        theme, value = themes[-1], value.strip()
        if key == "off":
            theme.offerings.append(_offering([f.strip() for f in value.split("|")], line_no))
        elif key == "dem":
            theme.demands.append(_demand([f.strip() for f in value.split("|")], line_no))
        elif key == "city":
            if value not in vocab.CITIES:
                raise ThemeFileError(f"line {line_no}: unknown city {value!r}")
            theme.city = value
        elif key == "org":
            org, _, kind = (part.strip() for part in value.partition("|"))
            if kind not in ORG_KINDS:
                raise ThemeFileError(f"line {line_no}: unknown organisation kind {kind!r}")
            theme.org, theme.org_kind = org, kind
        elif key == "also":
            if value not in vocab.DOMAINS:
                raise ThemeFileError(f"line {line_no}: unknown domain {value!r}")
            theme.also.append(value)
        elif key == "certs":
            theme.certifications = [c.strip() for c in value.split(",") if c.strip()]
        elif key in ("capabilities", "intro"):
            setattr(theme, key, value)
        elif key in ("keywords", "firms"):
            setattr(theme, key, value.split())
        else:
            raise ThemeFileError(f"line {line_no}: unknown key {key!r}")
    for theme in themes:
        if not (theme.city and theme.org and theme.keywords and theme.firms and theme.offerings):
            raise ThemeFileError(f"theme {theme.name!r} lacks city, org, keywords, firms or offerings")
    return themes


@cache
def load() -> tuple[Theme, ...]:
    """Every theme of the demo catalogue, in file order."""
    return tuple(parse(THEMES_FILE.read_text(encoding="utf-8")))
