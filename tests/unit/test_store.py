"""The data-access layer on SQLite (a temporary file) and PostgreSQL (a throw-away database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from ocrops.errors import BadParameter, Conflict, NotFound
from ocrops.evaluate.records import BenchRun, RunStatus, SampleResult
from ocrops.store import bench as store
from ocrops.store.db import Database


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'sub' / 'ocrops.db'}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
    database.upgrade()
    yield database
    if request.param == "postgresql":
        with database.engine.begin() as conn:  # the database is shared by the session: empty it
            conn.execute(text("DELETE FROM bench_results"))
            conn.execute(text("DELETE FROM bench_runs"))
    database.dispose()


def _run(**changes) -> BenchRun:
    values = dict(
        dataset_name="receipts",
        engine="tesseract",
        engine_version="5.3.4",
        engine_options={"psm": 6, "config": {"a": "b"}},
        options_hash="abc123",
        normalisation="nfkc+strip",
        metrics=["cer"],
        workers=2,
    )
    return BenchRun(**(values | changes))


def _result(run_id: str, sample_id: str, cer: float = 0.1) -> SampleResult:
    return SampleResult(
        run_id=run_id,
        sample_id=sample_id,
        file=f"img/{sample_id}.jpg",
        page=1,
        tags=["receipt", "language:en"],
        reference="TOTAL 9.00",
        prediction="T0TAL 9.00",
        markdown="T0TAL 9.00",
        metrics={"cer": cer, "char_errors": 1.0, "char_total": 10.0, "teds": None},
        page_latencies=[0.25],
        error=None,
    )


def test_migrations_create_the_schema_on_an_empty_database(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    assert database.current_revision() is None
    assert database.table_names() == []
    database.upgrade()
    database.upgrade()  # idempotent
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    assert database.current_revision() == head
    assert {"bench_runs", "bench_results", "alembic_version"} <= set(database.table_names())
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    database.dispose()


def test_migrations_match_the_tables(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ocrops.store.tables import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_run_and_results_round_trip(db):
    run = _run()
    with db.session() as session:
        store.create_run(session, run)
        store.add_result(session, _result(run.id, "000"))
        store.add_result(session, _result(run.id, "001", cer=0.3))
    with db.session() as session:
        loaded = store.get_run(session, run.id)
        results = store.list_results(session, run.id)
        assert store.stored_sample_ids(session, run.id) == {"000", "001"}
        assert store.count_results(session, run.id) == 2
    assert loaded.model_dump(exclude={"started_at"}) == run.model_dump(exclude={"started_at"})
    assert abs(loaded.started_at - run.started_at) < timedelta(milliseconds=1)
    assert loaded.started_at.tzinfo is not None
    assert [r.sample_id for r in results] == ["000", "001"]
    assert results[1].metrics == {"cer": 0.3, "char_errors": 1.0, "char_total": 10.0, "teds": None}
    assert results[0].tags == ["receipt", "language:en"]
    assert results[0].page_latencies == [0.25]
    assert results[0].tenant_id == "default"


def test_update_status_totals_and_prefix_lookup(db):
    run = _run()
    with db.session() as session:
        store.create_run(session, run)
    with db.session() as session:
        updated = store.update_run(
            session,
            run.id[:8],
            status=RunStatus.completed,
            totals={"samples": 2, "metrics": {"cer": {"mean": 0.2}}},
            metrics=["cer", "wer"],
            finished=True,
        )
    assert updated.status is RunStatus.completed
    assert updated.finished_at is not None and updated.finished_at >= run.started_at
    with db.session() as session:
        again = store.get_run(session, run.id[:6])
    assert again.totals["metrics"]["cer"]["mean"] == 0.2
    assert again.metrics == ["cer", "wer"]


def test_duplicate_sample_is_a_conflict_and_rolls_back(db):
    run = _run()
    with db.session() as session:
        store.create_run(session, run)
        store.add_result(session, _result(run.id, "000"))
    with pytest.raises(Conflict), db.session() as session:
        store.add_result(session, _result(run.id, "000"))
    with db.session() as session:
        assert store.count_results(session, run.id) == 1


def test_result_of_unknown_run_is_refused(db):
    with pytest.raises(Conflict), db.session() as session:  # the foreign key holds on SQLite too
        store.add_result(session, _result(str(uuid.uuid4()), "000"))


@pytest.mark.parametrize("run_id, error", [("nope", NotFound), ("ab", NotFound), ("", NotFound)])
def test_missing_runs(db, run_id, error):
    with pytest.raises(error), db.session() as session:
        store.get_run(session, run_id)


def test_ambiguous_prefix(db):
    with db.session() as session:
        store.create_run(session, _run(id="abcd0000-0000-0000-0000-000000000001"))
        store.create_run(session, _run(id="abcd0000-0000-0000-0000-000000000002"))
    with pytest.raises(BadParameter, match="ambiguous"), db.session() as session:
        store.get_run(session, "abcd0000")


def test_list_filters_orders_and_tenants(db):
    now = datetime.now(UTC)
    old = _run(started_at=now - timedelta(hours=2))
    new = _run(started_at=now - timedelta(hours=1), status=RunStatus.completed)
    other = _run(dataset_name="phototest", started_at=now)
    foreign = _run(tenant_id="acme", started_at=now)
    with db.session() as session:
        for run in (old, new, other, foreign):
            store.create_run(session, run)
    with db.session() as session:
        assert [r.id for r in store.list_runs(session)] == [other.id, new.id, old.id]
        assert [r.id for r in store.list_runs(session, dataset_name="receipts")] == [new.id, old.id]
        assert [r.id for r in store.list_runs(session, status=RunStatus.completed)] == [new.id]
        assert [r.id for r in store.list_runs(session, tenant_id="acme")] == [foreign.id]
        assert [r.id for r in store.list_runs(session, limit=1)] == [other.id]
        with pytest.raises(NotFound):
            store.get_run(session, foreign.id)  # another tenant's run is invisible


def test_delete_run_removes_its_results(db):
    run = _run()
    with db.session() as session:
        store.create_run(session, run)
        store.add_result(session, _result(run.id, "000"))
        store.add_result(session, _result(run.id, "001"))
    with db.session() as session:
        assert store.delete_results(session, run.id, {"001"}) == 1
        store.delete_run(session, run.id)
    with db.session() as session:
        assert store.count_results(session, run.id) == 0
        assert store.list_runs(session) == []


def test_concurrent_first_migrations_on_postgresql_do_not_race(postgres_url):
    """serve and worker both migrate at start; on an empty database one waits for the other."""
    import threading

    server = Database(postgres_url)
    schema = f"race_{uuid.uuid4().hex[:8]}"
    with server.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{postgres_url}?options=-csearch_path%3D{schema}"
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            Database(url).upgrade()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert "jobs" in Database(url).table_names()
    with server.engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
