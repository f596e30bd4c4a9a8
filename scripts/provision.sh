#!/usr/bin/env bash
# Provision what the portal needs on this machine, and nothing that is already there.
#
#   scripts/provision.sh            PostgreSQL + PostGIS, GDAL/GEOS, Redis (for `make run`)
#   scripts/provision.sh --browser  the same plus Debian's Chromium (for `make test`)
#
# When DATABASE_URL and REDIS_URL are both set the services are someone else's:
# only the GDAL/GEOS libraries GeoDjango loads are checked, nothing is started.
set -euo pipefail

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

say() { printf '\033[1mprovision:\033[0m %s\n' "$*"; }
die() {
  printf '\033[1;31mprovision:\033[0m %s\n' "$*" >&2
  cat >&2 <<'MSG'

Install by hand: PostgreSQL 15+ with PostGIS 3, GDAL and GEOS libraries, Redis 7,
gettext (and Chromium for the browser tests); then set DATABASE_URL and REDIS_URL.
Or, with Docker: `docker compose up`.
MSG
  exit 1
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else die "need root (or password-less sudo) to run: $*"
  fi
}

apt_updated=0
apt_install() {
  [ $# -gt 0 ] || return 0
  command -v apt-get >/dev/null || die "missing $*, and this is not a Debian/Ubuntu machine (no apt-get)."
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
  say "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Ask Redis itself (no redis-cli needed): PING must answer +PONG.
redis_up() {
  local reply
  { exec 3<>/dev/tcp/127.0.0.1/6379; } 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  IFS= read -r -t 2 reply <&3 || reply=""
  exec 3>&-
  [[ $reply == +PONG* ]]
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
need_pkg() { installed "$1" || missing+=("$1"); }

# GDAL's runtime library carries its ABI in its name (libgdal32 on Debian 12);
# take whichever this release ships, once the package lists are known.
gdal_lib() {
  local name
  name=$(dpkg-query -W -f='${Package}\n' 'libgdal[0-9]*' 2>/dev/null | grep -E '^libgdal[0-9]+$' | head -n1 || true)
  if [ -z "$name" ]; then
    name=$(apt-cache --names-only search '^libgdal[0-9]+$' 2>/dev/null | awk '{print $1}' | sort -V | tail -n1)
  fi
  echo "${name:-libgdal32}"
}

external=0
[ -n "${DATABASE_URL:-}" ] && [ -n "${REDIS_URL:-}" ] && external=1

if ! command -v dpkg-query >/dev/null; then
  # Not Debian: check what GeoDjango needs is there and say what is missing.
  command -v gdalinfo >/dev/null || die "GDAL is missing and this is not a Debian/Ubuntu machine."
  command -v msgfmt >/dev/null || die "gettext (msgfmt) is missing and this is not a Debian/Ubuntu machine."
  [ "$external" = 1 ] || die "set DATABASE_URL and REDIS_URL to a PostGIS database and a Redis server."
  exit 0
fi

need_pkg gdal-bin
need_pkg libgeos-c1v5
need_pkg gettext
need_pkg curl
need_pkg fonts-dejavu-core  # the PDF sheets' font
[ "$want_browser" = 1 ] && need_pkg chromium

if [ "$external" = 0 ]; then
  # PostGIS must match the PostgreSQL major version that is installed (or running).
  pg_major=""
  if command -v pg_lsclusters >/dev/null; then
    # The cluster on the default port is the one the portal will use.
    pg_major=$(pg_lsclusters -h 2>/dev/null | awk '$3 == 5432 {print $1; exit}')
  fi
  if [ -z "$pg_major" ] && [ -d /etc/postgresql ]; then
    pg_major=$(ls /etc/postgresql | sort -V | tail -n1)
  fi
  if [ -z "$pg_major" ]; then
    apt_install postgresql
    pg_major=$(ls /etc/postgresql | sort -V | tail -n1)
  fi
  need_pkg "postgresql-${pg_major}-postgis-3"
  redis_up || command -v redis-server >/dev/null || need_pkg redis-server
fi

if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi
lib=$(gdal_lib)
installed "$lib" || apt_install "$lib"

[ "$external" = 1 ] && { say "DATABASE_URL and REDIS_URL are set: using them, starting nothing"; exit 0; }

# Start PostgreSQL and Redis when they do not answer.
if ! pg_isready -q 2>/dev/null; then
  say "starting PostgreSQL ${pg_major}"
  if command -v pg_ctlcluster >/dev/null; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$pg_major" main start || die "could not start PostgreSQL ${pg_major}"
  else
    die "PostgreSQL is not running on 127.0.0.1:5432"
  fi
  for _ in $(seq 30); do pg_isready -q && break; sleep 1; done
fi
pg_isready -q || die "PostgreSQL does not answer on its local socket"

if ! redis_up; then
  say "starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  # Cache keys expire and may be evicted; Celery's queues do not expire, so never are.
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --maxmemory 1gb --maxmemory-policy volatile-lru \
    --dir /var/lib/redis --logfile /var/log/redis/portal.log
  for _ in $(seq 20); do redis_up && break; sleep 0.5; done
fi
redis_up || die "Redis does not answer on 127.0.0.1:6379"

# The local database, as the default DATABASE_URL (postgis:///portal) reaches it:
# over the Unix socket as the current system user, which Debian's default
# pg_hba.conf lets in ("peer") with no password. -w: never prompt for one.
db_user=$(id -un)
db_name=portal
if ! psql -w -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  if [ "$(as_root runuser -u postgres -- psql -w -d postgres -Atc "select 1 from pg_roles where rolname = '$db_user'")" = 1 ]; then
    die "PostgreSQL refuses the role $db_user over its socket (pg_hba.conf); set DATABASE_URL instead"
  fi
  # Superuser, because Django creates the postgis extension in each test database.
  say "creating the PostgreSQL role $db_user"
  as_root runuser -u postgres -- createuser --superuser "$db_user" \
    || die "could not create the role $db_user; set DATABASE_URL to a database you can use"
fi
if [ "$(psql -w -d postgres -Atc "select 1 from pg_database where datname = '$db_name'")" != 1 ]; then
  say "creating the database $db_name"
  createdb -w "$db_name"
fi
PGOPTIONS='--client-min-messages=warning' psql -w -d "$db_name" -qc 'CREATE EXTENSION IF NOT EXISTS postgis' >/dev/null

say "PostgreSQL ${pg_major} with PostGIS, GDAL, Redis$([ "$want_browser" = 1 ] && echo ', Chromium') ready"
