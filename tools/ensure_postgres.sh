#!/usr/bin/env bash
# Install PostgreSQL for the ml-pipeline scale-out e2e (tests/e2e/postgres.py) when it is
# missing and that is possible: as root, with apt-get (Debian's `postgresql` package). Quiet;
# instant when the server binaries are present. Otherwise the e2e says why it skips that part.
set -uo pipefail
if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: PostgreSQL is not installed (needs root and apt-get): the scale-out e2e will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq --no-install-recommends postgresql >/dev/null 2>&1; }
install || { apt-get update -qq >/dev/null 2>&1 && install; } ||
  echo "note: apt-get could not install postgresql: the scale-out e2e will skip" >&2
exit 0
