"""Open demands are search documents (their public summary only, never the confidential part; an
anonymous demand's document carries no trace of its firm's name)."""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import joinedload

from ..matching import analysis
from ..matching.documents import base_fields, price_fields, stamp
from ..matching.registry import DocumentSource, register
from .models import Demand


def demand_document(d: Demand) -> dict:
    text = f"{d.title} {d.description}"
    firm = "" if d.is_anonymous else d.organization.name  # searchable text
    return {
        **base_fields(
            "demand",
            d.id,
            title=d.title,
            body=d.description or "",
            context=firm,
            version=stamp(d.updated_at),
            created=int((d.published_at or d.created_at).timestamp()),
            ref=d.ref,
        ),
        "domain": ",".join(d.domains),
        "kind": ",".join(d.kinds),
        "city": ",".join(d.city_preference),
        "certs": ",".join(sorted(analysis.certifications(text))),
        **price_fields(d.budget_max),
        "deadline": int(d.deadline.strftime("%Y%m%d")) if d.deadline else 99991231,
        "platform_name": d.public_name,  # shown beside the hit
        "volumes": analysis.volumes_litres(text),
        "masses": analysis.masses_tonnes(text),
    }


register(
    DocumentSource(
        doc_type="demand",
        model=Demand,
        public=lambda: Demand.is_open,
        build=demand_document,
        options=lambda: (joinedload(Demand.organization),),
        label="需求",
        url=lambda obj_id: url_for("demands.detail", demand_id=obj_id),
    )
)
