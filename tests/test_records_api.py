"""Editing and deleting one record through the API (issue 6, point 2: a partner enters and edits
its own organisation's deliveries; issue 4, point 4: every change in the audit trail): a partner
changes its own rows and is refused another organisation's (403, logged, nothing changed); a
viewer changes nothing; an analyst deletes any delivery; bad values are 422 naming the field."""

from __future__ import annotations

import pytest
from accounts_support import (
    changes_of,
    csrf,
    sign_in,
    web,
)
from sqlalchemy import select

from lagebild.store import Store
from lagebild.store import schema as t
from lagebild.store.audit import history

pytestmark = pytest.mark.usefixtures("cheap_hashes")


def delivery_of(store: Store, org: str) -> tuple[int, float]:
    d, i, o = t.deliveries, t.imports, t.organisations
    with store.engine.connect() as conn:
        row = conn.execute(
            select(d.c.id, d.c.reached)
            .join(i, i.c.id == d.c.import_id)
            .join(o, o.c.id == i.c.organisation_id)
            .where(o.c.name == org)
            .order_by(d.c.id)
        ).first()
    assert row is not None
    return int(row[0]), float(row[1])


def reached_of(store: Store, delivery_id: int) -> float | None:
    with store.engine.connect() as conn:
        return conn.execute(
            select(t.deliveries.c.reached).where(t.deliveries.c.id == delivery_id)
        ).scalar()


def test_a_partner_edits_its_own_delivery_and_the_trail_names_it(loaded: Store) -> None:
    own, _ = delivery_of(loaded, "Org A")
    with web(loaded) as client:
        sign_in(client, "partner_a")
        response = client.patch(
            f"/api/records/delivery/{own}",
            json={"set": {"reached": "40"}, "why": "4 was a typo"},
            headers={"X-CSRF-Token": csrf(client)},
        )
    assert response.status_code == 200, response.text
    assert response.json()["after"]["reached"] == 40
    assert reached_of(loaded, own) == 40
    change = history(loaded, record_kind="delivery", record_id=own)[0]
    assert (change.actor, change.why, change.before["reached"]) == ("partner_a", "4 was a typo", 4)


def test_a_partner_cannot_edit_or_delete_another_organisations_delivery(loaded: Store) -> None:
    theirs, reached = delivery_of(loaded, "Org B")
    with web(loaded) as client:
        sign_in(client, "partner_a")
        token = {"X-CSRF-Token": csrf(client)}
        edited = client.patch(
            f"/api/records/delivery/{theirs}", json={"set": {"reached": "1"}, "why": "x"},
            headers=token,
        )
        deleted = client.delete(f"/api/records/delivery/{theirs}?why=x", headers=token)
        figure = client.patch(
            "/api/records/figure/1", json={"set": {"value": "1"}, "why": "x"}, headers=token
        )
    assert (edited.status_code, deleted.status_code, figure.status_code) == (403, 403, 403)
    assert reached_of(loaded, theirs) == reached
    denied = [c for c in changes_of(loaded, "denied") if c.actor == "partner_a"]
    assert len(denied) == 3
    assert "another organisation" in denied[0].after.get("what", "") or any(
        "another organisation" in c.after.get("what", "") for c in denied
    )


def test_a_viewer_changes_nothing_and_edits_need_the_csrf_token(loaded: Store) -> None:
    own, reached = delivery_of(loaded, "Org A")
    with web(loaded) as client:
        sign_in(client, "viewer1")
        refused = client.patch(
            f"/api/records/delivery/{own}", json={"set": {"reached": "1"}, "why": "x"},
            headers={"X-CSRF-Token": csrf(client)},
        )
        sign_in(client, "analyst1")
        no_token = client.patch(
            f"/api/records/delivery/{own}", json={"set": {"reached": "1"}, "why": "x"}
        )
    assert refused.status_code == 403
    assert no_token.status_code == 403
    assert reached_of(loaded, own) == reached


def test_an_analyst_deletes_any_delivery_and_bad_values_are_422(loaded: Store) -> None:
    theirs, _ = delivery_of(loaded, "Org B")
    with web(loaded) as client:
        sign_in(client, "analyst1")
        token = {"X-CSRF-Token": csrf(client)}
        bad = client.patch(
            f"/api/records/delivery/{theirs}", json={"set": {"reached": "many"}, "why": "x"},
            headers=token,
        )
        unknown = client.patch(
            f"/api/records/delivery/{theirs}", json={"set": {"import_id": "3"}, "why": "x"},
            headers=token,
        )
        missing = client.delete("/api/records/delivery/99999?why=gone", headers=token)
        gone = client.delete(f"/api/records/delivery/{theirs}?why=entered+twice", headers=token)
    assert bad.status_code == 422 and "'many': not a number" in bad.text
    assert unknown.status_code == 422 and "cannot be edited" in unknown.text
    assert missing.status_code == 404
    assert gone.status_code == 200 and gone.json()["deleted"]["reached"] == 250
    assert reached_of(loaded, theirs) is None
    change = history(loaded, record_kind="delivery", record_id=theirs)[0]
    assert (change.action, change.actor, change.why) == ("delete", "analyst1", "entered twice")


def test_a_denial_is_said_in_the_language_the_request_asks_for(loaded: Store) -> None:
    own, _ = delivery_of(loaded, "Org A")
    body = {"set": {"reached": "1"}, "why": "x"}
    with web(loaded) as client:
        sign_in(client, "viewer1")
        token = {"X-CSRF-Token": csrf(client)}
        english = client.patch(f"/api/records/delivery/{own}", json=body, headers=token)
        german = client.patch(
            f"/api/records/delivery/{own}", params={"lang": "de"}, json=body, headers=token
        )
    assert (english.status_code, german.status_code) == (403, 403)
    assert english.json()["error"].startswith("viewer1 (viewer) may not ")
    assert german.json() == {
        "error": german.json()["error"],
        "status": 403,
        "permission": english.json()["permission"],
    }
    assert german.json()["error"].startswith("Ihr Konto (Rolle: viewer) darf ")
