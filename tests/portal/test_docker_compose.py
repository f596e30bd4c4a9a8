"""docker-compose.yml cannot run here (no Docker engine), so check it agrees with the code."""

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTINGS_SOURCE = (ROOT / "portal" / "settings.py").read_text()


def test_it_runs_the_database_redis_web_worker_and_beat():
    assert {"db", "redis", "web", "worker", "beat"} <= set(COMPOSE["services"])
    assert COMPOSE["services"]["db"]["image"].startswith("postgis/postgis:15-")
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in COMPOSE["services"][name], name
    assert {"pgdata", "redisdata"} <= set(COMPOSE["volumes"])


def test_every_variable_it_sets_is_one_the_settings_read():
    for name in COMPOSE["x-portal-env"]:
        assert f'"{name}"' in SETTINGS_SOURCE, f"{name} is set in compose but never read"


def test_the_worker_listens_on_every_queue_the_settings_declare():
    command = COMPOSE["services"]["worker"]["command"]
    queues = set(command[command.index("-Q") + 1].split(","))
    assert queues == {q.name for q in settings.CELERY_TASK_QUEUES}
    procfile = (ROOT / "Procfile").read_text()
    assert "-Q " + ",".join(q.name for q in settings.CELERY_TASK_QUEUES) in procfile
