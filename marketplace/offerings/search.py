"""Publicly visible offerings are search documents, built with their platform's name, city and level."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..matching import analysis
from ..matching.documents import base_fields, price_fields, stamp
from ..matching.registry import DocumentSource, register
from .models import Offering


def _specs_text(o: Offering) -> str:
    listed = " ".join(f"{k} {v}" for k, v in (o.specs or {}).items())
    kind_bits = " ".join(
        str(v) for v in (o.model, o.capacity, o.cleanroom_class, o.service_type, o.scale, o.output) if v
    )
    return f"{listed} {kind_bits}"


def offering_document(o: Offering) -> dict:
    p = o.platform
    specs = _specs_text(o)
    everything = f"{o.title} {specs} {o.description}"
    return {
        **base_fields(
            "offering",
            o.id,
            title=o.title,
            specs=specs,
            body=o.description or "",
            context=f"{p.name} {' '.join(p.certifications)}",
            version=stamp(o.updated_at, p.updated_at),
            created=int(o.created_at.timestamp()),
            ref=o.ref,
        ),
        "domain": ",".join(o.domains),
        "kind": o.kind,
        "city": p.city,
        "level": p.level,
        "certs": ",".join(sorted(analysis.certifications(f"{everything} {' '.join(p.certifications)}"))),
        **price_fields(o.price_amount),
        "price_unit": o.price_unit or "",
        "platform_id": p.id,
        "platform_name": p.name,
        "volumes": analysis.volumes_litres(everything),
        "masses": analysis.masses_tonnes(everything),
    }


def _offerings_of_platforms(session, platform_ids: list[int]):
    return session.scalars(select(Offering.id).where(Offering.platform_id.in_(platform_ids)))


register(
    DocumentSource(
        doc_type="offering",
        model=Offering,
        public=lambda: Offering.is_public,
        build=offering_document,
        options=lambda: (joinedload(Offering.platform),),
        built_from={"platform": _offerings_of_platforms},
        label="中试资源",
        weight=1.6,  # measured against a demand: a platform joined, a longer text
        url=lambda obj_id: url_for("catalog.offering", offering_id=obj_id),
    )
)
