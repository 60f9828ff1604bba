#!/usr/bin/env bash
# Starts a local PostgreSQL cluster (Debian's) if none is running, with a test role.
set -euo pipefail
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    pg_createcluster "$version" main >/dev/null
  fi
  read -r version name _ < <(pg_lsclusters -h | head -1)
  pg_ctlcluster "$version" "$name" start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.5; done
fi
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pms_test') THEN
    CREATE ROLE pms_test LOGIN SUPERUSER PASSWORD 'pms_test';
  END IF; END \$\$;" >/dev/null
