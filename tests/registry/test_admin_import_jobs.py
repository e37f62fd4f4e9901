"""The admin's import jobs (registry/exchange/jobs.py): the uploaded file waits in storage,
not in the session; preview and import run on a real Celery worker, the page follows
their progress; only the uploader (or a superuser) sees a job; an expired job's file is
swept and the job cannot be confirmed.

The worker's tests commit (``transactional_db``): the worker is another process, on the
test database, through the run's own RabbitMQ queue (CELERY_QUEUE), sharing the media
directory with the test as web and worker hosts must share storage. The other tests run
the job inline, as without a broker (test_admin_exchange.py has the import's own rules).
"""

import csv
import itertools
import os
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.messages import ERROR
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset
from registry.exchange.jobs import JobProgress
from registry.models import FieldSource, ImportJob, OutboxEvent
from registry.roles import STEWARD, VIEWER
from tests.events.worker import Worker, session_database_url, wait_for
from tests.registry.test_admin_exchange import (
    IMPORT_ASSETS,
    confirm,
    edited_assets_csv,
    messages_of,
    post_and_run,
    preview,
)
from tests.registry.test_csv_exchange import registry_state

Status = ImportJob.Status
NEW_ASSETS = 150  # rows of the worker's file: a few seconds of writing
PROGRESS_ROWS = 25  # the worker writes progress every this many rows


def new_assets_csv(count: int, prefix: str = "JOB") -> bytes:
    out = StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["symbol", "name", "asset_type"])
    for number in range(count):
        writer.writerow([f"{prefix}{number}", f"Job Token {number}", "ERC20"])
    return out.getvalue().encode()


def staff_client(username: str, *groups: str, superuser: bool = False) -> Client:
    user = User.objects.create_user(username=username, is_staff=True, is_superuser=superuser)
    user.groups.set(Group.objects.filter(name__in=groups))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def job_url(job: ImportJob, page: str = "") -> str:
    name = "admin:assets_asset_import_job" + (f"_{page}" if page else "")
    return reverse(name, kwargs={"job_id": job.pk})


def session_bytes(client: Client) -> int:
    """The size of the session as stored (the database backend's encoded payload)."""
    return len(Session.objects.get(session_key=client.session.session_key).session_data)


# ---- on a real worker --------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_media(tmp_path_factory):
    return tmp_path_factory.mktemp("shared-media")


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, shared_media, tmp_path_factory):
    """One worker (with beat) for the module, on the test database and the shared media
    directory; it sweeps import jobs every second and keeps events in the outbox."""
    from django.conf import settings

    from config.celery import app

    with django_db_blocker.unblock():
        env = {
            **os.environ,
            "DATABASE_URL": session_database_url(),
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "MEDIA_ROOT": str(shared_media),
            "IMPORT_JOB_PROGRESS_ROWS": str(PROGRESS_ROWS),
            "IMPORT_JOB_SWEEP_SECONDS": "1",
            "NATS_URL": "",  # the shared stream is the event tests'; events stay in the outbox
        }
    app.control.purge()  # tasks of earlier tests, whose jobs are gone
    process = Worker(tmp_path_factory.mktemp("worker") / "worker.log", env).start()
    yield process
    process.stop()


@pytest.fixture
def on_worker(worker, transactional_db, settings, shared_media):
    settings.MEDIA_ROOT = str(shared_media)
    return worker


def follow_job(client: Client, job: ImportJob, timeout: float = 180) -> list[dict]:
    """Poll the job's status endpoint, as its page does, until its step has ended; the
    answers seen, in order."""
    seen: list[dict] = []

    def ended() -> bool:
        response = client.get(job_url(job, "status"))
        assert response.status_code == 200
        seen.append(response.json())
        return not seen[-1]["running"]

    wait_for(ended, timeout, f"import job {job.pk} to end its step", interval=0.2)
    return seen


def assert_progress_moves_forward(seen: list[dict]) -> None:
    """Within a phase, rows done only grow, and never pass the phase's total."""
    for before, after in itertools.pairwise(seen):
        assert after["done"] <= after["total"] or after["total"] == 0
        if after["running"] and (before["phase"], before["step"]) == (
            after["phase"],
            after["step"],
        ):
            assert after["done"] >= before["done"]


def test_a_file_is_previewed_and_imported_by_the_worker_as_the_page_follows(on_worker):
    """Upload, preview on the worker, confirm, import on the worker: the rows are written
    by the steward, through the services; progress ends at its total; the file is gone."""
    steward = staff_client("stu", VIEWER, STEWARD)
    last_event = OutboxEvent.objects.order_by("id").values_list("id", flat=True).last() or 0

    upload = steward.post(
        IMPORT_ASSETS, {"file": SimpleUploadedFile("new.csv", new_assets_csv(NEW_ASSETS))}
    )

    assert upload.status_code == 302
    job = ImportJob.objects.get()
    assert upload["Location"] == job_url(job)
    assert (job.uploaded_by, job.actor, job.step) == (steward.user, "user:stu", "PREVIEW")
    assert default_storage.exists(job.file.name)
    assert session_bytes(steward) < 1024  # the file is in storage, not in the session
    seen = follow_job(steward, job)
    assert seen[-1]["status"] == Status.PREVIEWED
    assert_progress_moves_forward(seen)
    page = steward.get(job_url(job))
    assert page.context["preview"].created == NEW_ASSETS
    assert not Asset.objects.filter(symbol__startswith="JOB").exists()

    confirmed = steward.post(job_url(job), {"_confirm": "1", "plan": job_plan(job)})

    assert confirmed["Location"] == job_url(job)
    seen = follow_job(steward, job)
    assert_progress_moves_forward(seen)
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    assert (job.step, job.done, job.total) == ("IMPORT", NEW_ASSETS, NEW_ASSETS)
    assert (seen[-1]["done"], seen[-1]["total"]) == (NEW_ASSETS, NEW_ASSETS)
    assert Asset.objects.filter(symbol__startswith="JOB").count() == NEW_ASSETS
    events = OutboxEvent.objects.filter(id__gt=last_event)
    assert set(events.values_list("actor_id", flat=True)) == {"user:stu"}
    source = FieldSource.objects.of(Asset.objects.get(symbol="JOB0")).get(field="name")
    assert (source.source, source.actor) == ("import:csv:new.csv", "user:stu")
    assert job.file.name == "" and not os.listdir(settings_media() / "imports")
    done_page = steward.get(job_url(job))
    assert f"{NEW_ASSETS} created, 0 updated".encode() in done_page.content


def job_plan(job: ImportJob) -> str:
    job.refresh_from_db()
    return job.plan_digest


def settings_media():
    from pathlib import Path

    from django.conf import settings

    return Path(settings.MEDIA_ROOT)


def test_beat_expires_a_job_past_its_time_and_deletes_its_file(on_worker, demo):
    """The worker's beat sweeps: the file goes, and confirming the job is refused."""
    steward = staff_client("stu", VIEWER, STEWARD)
    now = timezone.now()
    job = ImportJob(
        entity="assets",
        file_name="late.csv",
        uploaded_by=steward.user,
        actor="user:stu",
        status=Status.PREVIEWED,
        plan_digest="0" * 64,
        created_at=now - timedelta(days=2),
        expires_at=now - timedelta(seconds=1),
    )
    job.file.save("late.csv", ContentFile(new_assets_csv(3, "LATE")), save=False)
    job.save()
    stored = settings_media() / job.file.name
    assert stored.exists()

    wait_for(
        lambda: ImportJob.objects.get(pk=job.pk).status == Status.EXPIRED,
        60,
        "the beat's sweep to expire the job",
    )

    assert not stored.exists()
    response = steward.post(job_url(job), {"_confirm": "1", "plan": "0" * 64}, follow=True)
    (error,) = messages_of(response, ERROR)
    assert "This import expired" in error and "nothing was imported" in error
    assert not Asset.objects.filter(symbol__startswith="LATE").exists()
    assert ImportJob.objects.get(pk=job.pk).status == Status.EXPIRED


# ---- the job's parts, run inline -----------------------------------------------------------


def test_progress_is_seen_while_the_import_transaction_is_still_open(transactional_db):
    """The import writes in one transaction; its progress goes through a connection of
    its own, so the page sees it before the import commits, and it stays after a
    rollback."""
    user = User.objects.create_user("stu")
    now = timezone.now()
    job = ImportJob.objects.create(
        entity="assets",
        file_name="f.csv",
        file="imports/f.csv",
        uploaded_by=user,
        actor="user:stu",
        status=Status.RUNNING,
        step="IMPORT",
        expires_at=now + timedelta(hours=1),
    )
    progress = JobProgress(job.pk, every=10)
    try:
        with transaction.atomic():  # the import's transaction
            progress.start(30, "write assets")
            progress(9)
            assert ImportJob.objects.values_list("done", "total").get(pk=job.pk) == (0, 30)
            progress(1)
            progress(5)
            assert ImportJob.objects.values_list("phase", "done").get(pk=job.pk) == (
                "write assets",
                10,
            )
            progress(15)  # the end of the phase is always written
            assert ImportJob.objects.values_list("done", flat=True).get(pk=job.pk) == 30
            transaction.set_rollback(True)
    finally:
        progress.close()
    assert ImportJob.objects.values_list("done", "total").get(pk=job.pk) == (30, 30)
    assert progress.writes == 3  # start, 10 rows, the end


@pytest.mark.django_db
@pytest.mark.usefixtures("media_root")
class TestInline:
    def test_another_users_job_is_not_found_and_a_superuser_sees_it(self, demo):
        owner = staff_client("stu", VIEWER, STEWARD)
        shown = preview(owner, IMPORT_ASSETS, edited_assets_csv(), "mine.csv")
        job = shown.context["job"]
        other = staff_client("sam", VIEWER, STEWARD)

        assert other.get(job_url(job)).status_code == 404
        assert other.get(job_url(job, "status")).status_code == 404
        posted = other.post(job_url(job), {"_confirm": "1", "plan": job.plan_digest})
        assert posted.status_code == 404
        assert other.post(job_url(job), {"_discard": "1"}).status_code == 404
        assert ImportJob.objects.get(pk=job.pk).status == Status.PREVIEWED
        assert "mine.csv" not in other.get(IMPORT_ASSETS).content.decode()
        # Another entity's import page does not show it either.
        chains_job = reverse("admin:chains_chain_import_job", kwargs={"job_id": job.pk})
        assert owner.get(chains_job).status_code == 404

        admin = staff_client("root", superuser=True)
        assert admin.get(job_url(job)).status_code == 200
        done = confirm(admin, IMPORT_ASSETS, admin.get(job_url(job)))
        assert done.context["job"].status == Status.DONE
        # The writes are the superuser's, who confirmed them.
        assert done.context["job"].actor == "user:root"

    def test_an_expired_job_is_swept_by_the_command_and_its_confirm_refused(self, demo):
        steward = staff_client("stu", VIEWER, STEWARD)
        shown = preview(steward, IMPORT_ASSETS, edited_assets_csv(), "assets.csv")
        job = shown.context["job"]
        stored = job.file.name
        now = timezone.now()
        ImportJob.objects.filter(pk=job.pk).update(
            created_at=now - timedelta(days=1), expires_at=now - timedelta(minutes=1)
        )
        before = registry_state()

        # Expired, not yet swept: refused all the same.
        refused = confirm(steward, IMPORT_ASSETS, shown)
        (error,) = messages_of(refused, ERROR)
        assert "This import expired" in error
        out = StringIO()
        call_command("sweep_import_jobs", stdout=out)

        assert "1 import jobs expired" in out.getvalue()
        assert not default_storage.exists(stored)
        job.refresh_from_db()
        assert (job.status, job.file.name) == (Status.EXPIRED, "")
        page = steward.get(job_url(job))
        assert b"This import expired" in page.content
        assert registry_state() == before
        assert "1 import jobs expired" not in sweep()  # once

    def test_the_sweep_deletes_files_no_job_names_and_old_finished_jobs(self, demo):
        now = timezone.now()
        orphan = default_storage.save("imports/orphan.csv", ContentFile(b"symbol\n"))
        fresh = default_storage.save("imports/fresh.csv", ContentFile(b"symbol\n"))
        old = (now - timedelta(hours=25)).timestamp()
        os.utime(default_storage.path(orphan), (old, old))
        steward = staff_client("stu", VIEWER, STEWARD)
        waiting = preview(steward, IMPORT_ASSETS, edited_assets_csv(), "a.csv").context["job"]
        os.utime(default_storage.path(waiting.file.name), (old, old))  # old, but a job's
        finished = ImportJob.objects.create(
            entity="assets",
            file_name="done.csv",
            uploaded_by=steward.user,
            actor="user:stu",
            status=Status.DONE,
            created_at=now - timedelta(days=40),
            updated_at=now - timedelta(days=31),
            expires_at=now - timedelta(days=39),
        )

        assert sweep() == (
            "Swept: 0 import jobs expired (their files deleted), 1 files no job named "
            "deleted, 1 finished jobs removed.\n"
        )
        assert not default_storage.exists(orphan)
        assert default_storage.exists(fresh) and default_storage.exists(waiting.file.name)
        assert not ImportJob.objects.filter(pk=finished.pk).exists()

    def test_the_uploaded_file_is_not_in_the_session(self, demo):
        steward = staff_client("stu", VIEWER, STEWARD)
        out = StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["symbol", "name", "asset_type", "description"])
        for number in range(40):  # 400 kB in 40 rows: long descriptions, a quick preview
            writer.writerow([f"BIG{number}", f"Big {number}", "ERC20", "x" * 9_900])
        data = out.getvalue().encode()
        shown = post_and_run(steward, IMPORT_ASSETS, {"file": SimpleUploadedFile("big.csv", data)})
        assert shown.context["preview"].created == 40
        assert session_bytes(steward) < 1024
        assert default_storage.size(shown.context["job"].file.name) == len(data) > 390_000

    def test_the_page_of_a_running_job_shows_its_progress_and_polls(self, demo):
        steward = staff_client("stu", VIEWER, STEWARD)
        now = timezone.now()
        job = ImportJob.objects.create(
            entity="assets",
            file_name="slow.csv",
            file="imports/slow.csv",
            uploaded_by=steward.user,
            actor="user:stu",
            status=Status.RUNNING,
            step="IMPORT",
            phase="write assets",
            done=300,
            total=7315,
            plan_digest="0" * 64,
            expires_at=now + timedelta(hours=1),
        )
        page = steward.get(job_url(job))
        assert b'id="import-progress"' in page.content
        assert f'data-status-url="{job_url(job, "status")}"'.encode() in page.content
        assert b'<progress max="7315" value="300">' in page.content
        assert b"registry/admin/import_job.js" in page.content
        assert b'<meta http-equiv="refresh"' in page.content  # inside <noscript>
        assert steward.get(job_url(job, "status")).json() == {
            "status": "RUNNING",
            "step": "IMPORT",
            "running": True,
            "phase": "write assets",
            "done": 300,
            "total": 7315,
            "text": "Import of slow.csv: write assets, 300 of 7,315 rows",
        }
        # A running job is not discarded under its worker.
        steward.post(job_url(job), {"_discard": "1"})
        assert ImportJob.objects.filter(pk=job.pk).exists()

    def test_files_go_through_the_storage_api_only(self, demo, settings):
        """Any storage backend will do (S3 in production): here Django's in-memory one."""
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        }
        steward = staff_client("stu", VIEWER, STEWARD)
        shown = preview(steward, IMPORT_ASSETS, new_assets_csv(3, "MEM"), "mem.csv")
        stored = shown.context["job"].file.name
        assert stored.startswith("imports/") and stored.endswith(".csv")
        assert default_storage.exists(stored)
        assert "mem" not in stored  # a random name, not the person's
        done = confirm(steward, IMPORT_ASSETS, shown)
        assert done.context["job"].status == Status.DONE
        assert Asset.objects.filter(symbol__startswith="MEM").count() == 3
        assert not default_storage.exists(stored)

    def test_the_database_refuses_a_job_that_breaks_its_invariants(self, demo):
        user = User.objects.create_user("stu")
        now = timezone.now()
        fields = dict(
            entity="assets",
            file_name="f.csv",
            uploaded_by=user,
            actor="user:stu",
            expires_at=now + timedelta(hours=1),
        )
        cases = [
            ("import_job_done_of_total", dict(file="imports/a.csv", done=5, total=4)),
            ("import_job_file_while_unfinished", dict(status=Status.DONE, file="imports/a.csv")),
            ("import_job_file_while_unfinished", dict(status=Status.QUEUED, file="")),
            # Only the known states have a rule for their file.
            ("import_job_file_while_unfinished", dict(status="LOST", file="imports/a.csv")),
            ("import_job_previewed_has_plan", dict(status=Status.PREVIEWED, file="imports/a.csv")),
            (
                "import_job_expires_after_upload",
                dict(file="imports/a.csv", created_at=now, expires_at=now),
            ),
            ("import_job_step_known", dict(step="GUESS", file="imports/a.csv")),
        ]
        for constraint, values in cases:
            with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
                ImportJob.objects.create(**{**fields, **values})


def sweep() -> str:
    out = StringIO()
    call_command("sweep_import_jobs", stdout=out)
    return out.getvalue()
