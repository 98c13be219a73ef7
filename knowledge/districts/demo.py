"""Demo content for the district pages: Farsta's local agreement, its coordinator, and one
adoption each way, so that a demo shows a district page with something on it. Fictional."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..exchange.adoptions import report_adoption
from ..cases.models import Case
from ..taxonomy.models import District
from ..accounts.models import User
from .agreements import save_agreement
from .models import DistrictCoordinator

FARSTA_AGREEMENT = {
    "areas": ["otrygga-platser", "unga-i-riskzon"],
    "goals-otrygga-platser": "- Fler ska känna sig trygga i Farsta centrum kvällstid enligt "
                             "stadens trygghetsmätning.\n- Färre anmälda rån kring "
                             "tunnelbanestationerna.",
    "goals-unga-i-riskzon": "Färre unga 13–17 år misstänkta för rån och narkotikabrott, och "
                            "fler i meningsfull fritid på kvällar och helger.",
}


def load_demo_districts(session: Session, coordinator: User, staff: User) -> None:
    """Flushes; the caller commits with the rest of the demo data."""
    farsta = session.scalars(select(District).where(District.slug == "farsta")).one()
    session.add(DistrictCoordinator(user_id=coordinator.id, district_id=farsta.id))
    session.flush()
    save_agreement(session, coordinator, farsta, FARSTA_AGREEMENT)
    by_external_id = {case.external_id: case for case in session.scalars(
        select(Case).where(Case.external_id.in_(["demo-011", "demo-025"])))}
    report_adoption(session, coordinator, by_external_id["demo-011"], {
        "district": "Farsta", "status": "pagar",
        "context": "Gångtunnlarna mellan Farsta strand och Farsta centrum.",
        "changes": "Vi började med de två tunnlar som trygghetsvandringen pekade ut."})
    report_adoption(session, staff, by_external_id["demo-025"], {
        "district": "Skarpnäck", "status": "planerad",
        "context": "Skarpnäcks centrum, tillsammans med centrumägaren."})
