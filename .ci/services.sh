#!/usr/bin/env bash
# Services the review tests use, from Debian's packages: a PostgreSQL server on 127.0.0.1
# and chromium for the headless-browser test. Idempotent and quick when already there.
# With CI set (as .ci/run does), anything missing is fatal: exit 1 with the reason, so a
# broken install never hides behind skipped tests. Without CI (a developer's machine) it
# only warns, and the tests that need the missing service skip with a reason.
#
# The PostgreSQL DSN is written to /tmp/counterflow-pg-dsn (tests read it, or the
# environment variable COUNTERFLOW_TEST_PG_DSN when set).
set -u
DSN_FILE=/tmp/counterflow-pg-dsn
export DEBIAN_FRONTEND=noninteractive

log() { echo "services.sh: $*"; }
strict() { case "${CI:-}" in ""|0|false|no) return 1 ;; *) return 0 ;; esac; }
# fail MESSAGE: in CI, stop with exit 1; elsewhere, warn and go on.
fail() {
  if strict; then
    echo "services.sh: FAILED: $*" >&2
    exit 1
  fi
  log "$* (tests needing it will skip)"
}

if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != "0" ]; then
  # Already installed and running (e.g. a prepared image)? Then nothing to do.
  if command -v psql >/dev/null 2>&1 && [ -x /usr/bin/chromium ] && [ -f "$DSN_FILE" ]; then
    log "no apt-get or not root, but PostgreSQL and chromium are there"
    exit 0
  fi
  fail "no apt-get or not root: cannot install PostgreSQL and chromium"
  exit 0
fi

need=()
for pkg in postgresql chromium fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]}"
  # Keep the package's own service start from failing in containers without init.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  (apt-get update -qq >/dev/null 2>&1 || true)
  if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
    fail "apt-get install ${need[*]} failed"
  fi
fi

# ----- PostgreSQL ----------------------------------------------------------------------
if command -v pg_lsclusters >/dev/null 2>&1; then
  ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)
  [ -n "$ver" ] || fail "no PostgreSQL server version under /usr/lib/postgresql"
  if [ -n "$ver" ]; then
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$ver main$"; then
      pg_createcluster "$ver" main >/dev/null 2>&1 || fail "pg_createcluster $ver main failed"
    fi
    port=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')
    port=${port:-5432}
    if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -q online; then
      pg_ctlcluster "$ver" main start >/dev/null 2>&1 || fail "could not start PostgreSQL $ver"
    fi
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      su postgres -c "psql -p $port -qtAc 'select 1'" >/dev/null 2>&1 && break
      sleep 1
    done
    su postgres -c "psql -p $port -qtAc \"select 1 from pg_roles where rolname='counterflow'\"" \
      2>/dev/null | grep -q 1 ||
      su postgres -c "psql -p $port -qc \"create role counterflow login password 'counterflow'\"" \
        >/dev/null 2>&1
    su postgres -c "psql -p $port -qtAc \"select 1 from pg_database where datname='counterflow_test'\"" \
      2>/dev/null | grep -q 1 ||
      su postgres -c "createdb -p $port -O counterflow counterflow_test" >/dev/null 2>&1
    dsn="postgresql://counterflow:counterflow@127.0.0.1:$port/counterflow_test"
    if su postgres -c "psql -p $port -qtAc 'select 1'" >/dev/null 2>&1; then
      echo "$dsn" > "$DSN_FILE"
      chmod 644 "$DSN_FILE"
      log "PostgreSQL $ver on 127.0.0.1:$port, DSN in $DSN_FILE"
    else
      rm -f "$DSN_FILE"
      fail "PostgreSQL did not come up"
    fi
  fi
else
  fail "PostgreSQL not installed"
fi

# ----- chromium ------------------------------------------------------------------------
if [ -x /usr/bin/chromium ]; then
  log "chromium at /usr/bin/chromium"
else
  fail "chromium not installed"
fi
exit 0
