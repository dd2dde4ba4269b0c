#!/usr/bin/env bash
# scripts/bench.sh — the benchmark command: schema-cli against drizzle-kit,
# the macro's compile cost, and the in-process criterion benchmarks (stages
# of generate and pull, query building; the runner starts `cargo bench`,
# which honours CARGO_TARGET_DIR); results go into BENCHMARKS.md (between its
# marker lines). Not part of scripts/test.sh.
#
# Contract: on a fresh Debian machine with the Rust toolchain, as root,
# installs what is missing with one apt-get run (`time` for /usr/bin/time,
# `nodejs` and `npm`, `postgresql`, or only `postgresql-client` for psql when
# DATABASE_URL is set), installs drizzle-kit, drizzle-orm and pg at the
# pinned versions below with npm into $SCHEMA_BENCH_CACHE/node (default
# ~/.cache/schema-bench/node, outside the source tree), builds schema-cli
# and the runner (benchmarks/schema-bench) in release mode, starts a
# throwaway PostgreSQL cluster (scripts/pg-cluster.sh, as scripts/test.sh
# does, with pg_stat_statements loaded for the push rows' server time;
# DATABASE_URL set = use that server instead), runs the runner, and
# always stops the cluster and removes its work folder. Extra arguments go
# to the runner, e.g. `--sizes 10,100 --ours-sizes 1000 --only whole`
# (`--help` prints them and does nothing else). Exit status: the runner's,
# or 1 when setup fails.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

DRIZZLE_KIT_VERSION=0.31.11
DRIZZLE_ORM_VERSION=0.45.4
PG_VERSION=8.23.1

target="${CARGO_TARGET_DIR:-$repo_root/target}"

usage() {
    cat <<'USAGE'
usage: scripts/bench.sh [RUNNER OPTIONS]

Installs what is missing (as root: time, nodejs, npm, postgresql with apt;
drizzle-kit with npm into ~/.cache/schema-bench/node), builds schema-cli and
the runner in release mode, starts a throwaway PostgreSQL (or uses
DATABASE_URL) and runs the runner, which rewrites BENCHMARKS.md's results.

Runner options (the script passes the server, binaries and folders itself):
  --sizes 10,100,1000       tables, both tools (whole part)
  --ours-sizes 10000        tables, schema-cli only ('' for none)
  --micro-sizes 1000,10000  the criterion stage benchmarks' tables
  --only whole,compile,micro
  --tasks generate-fresh,generate-unchanged,push,pull
  --cap SECONDS             a whole-process run's time limit (300)
  --out FILE                write there instead of BENCHMARKS.md
USAGE
    if [[ -x "$target/release/schema-bench" ]]; then
        printf '\nThe runner (%s --help):\n' "$target/release/schema-bench"
        "$target/release/schema-bench" --help 2>&1 || true
    fi
}
# --help before anything is installed or built.
for arg in "$@"; do
    if [[ "$arg" == -h || "$arg" == --help ]]; then
        usage
        exit 0
    fi
done

# log, die, apt_install, quote_args, start_cluster and the EXIT trap that
# stops the cluster (and calls on_cleanup).
# shellcheck source=scripts/pg-cluster.sh
source "$repo_root/scripts/pg-cluster.sh"

bench_started=$SECONDS
work=""
# shellcheck disable=SC2317 # called by pg-cluster.sh's EXIT trap
on_cleanup() {
    if [[ -n "$work" ]]; then rm -rf "$work"; fi
}

# The highest psql under /usr/lib/postgresql/*/bin, else the one on PATH.
find_psql() {
    local bin
    bin="$(for bin in /usr/lib/postgresql/*/bin/psql; do
        if [[ -x "$bin" ]]; then printf '%s\n' "$bin"; fi
    done | sort -V | tail -n 1)"
    if [[ -n "$bin" ]]; then printf '%s\n' "$bin"; else command -v psql || true; fi
}

command -v cargo >/dev/null 2>&1 || die "cargo is missing: install the Rust toolchain (rustup)"
# What is missing, installed with one apt-get run.
missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [[ -n "${DATABASE_URL:-}" ]]; then
    # Only psql is needed (the push rows' server time).
    [[ -n "$(find_psql)" ]] || missing+=(postgresql-client)
else
    [[ -n "$(find_pg_bindir)" ]] || missing+=(postgresql)
fi
apt_install "${missing[@]}"

# drizzle-kit and its peers, pinned, in a cache folder outside the tree.
cache="${SCHEMA_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/schema-bench}"
node_dir="$cache/node"
installed_version() { # package
    node -e 'try { console.log(require(process.argv[1] + "/package.json").version) } catch { console.log("none") }' \
        "$node_dir/node_modules/$1" 2>/dev/null || echo none
}
if [[ "$(installed_version drizzle-kit)" != "$DRIZZLE_KIT_VERSION" \
    || "$(installed_version drizzle-orm)" != "$DRIZZLE_ORM_VERSION" \
    || "$(installed_version pg)" != "$PG_VERSION" ]]; then
    log "installing drizzle-kit@$DRIZZLE_KIT_VERSION drizzle-orm@$DRIZZLE_ORM_VERSION pg@$PG_VERSION into $node_dir (npm)"
    mkdir -p "$node_dir"
    printf '{ "name": "schema-bench-node", "private": true }\n' >"$node_dir/package.json"
    (cd "$node_dir" && npm install --no-audit --no-fund --save-exact --loglevel=error \
        "drizzle-kit@$DRIZZLE_KIT_VERSION" "drizzle-orm@$DRIZZLE_ORM_VERSION" "pg@$PG_VERSION") \
        || die "npm install failed"
fi
log "node $(node --version), npm $(npm --version)"

log "cargo build --release -p schema-cli -p schema-bench"
cargo build --release -p schema-cli -p schema-bench

if [[ -n "${DATABASE_URL:-}" ]]; then
    log "using the PostgreSQL server in DATABASE_URL"
else
    PG_CLUSTER_TLS=0
    # One transaction creating 10,000 tables (push) holds ~5 locks per table.
    # pg_stat_statements: the push rows' server time (a 10,000-table push is ~28,000
    # statements, each its own entry).
    PG_CLUSTER_OPTIONS="-c max_locks_per_transaction=1024 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=50000"
    start_cluster
fi
psql="$(find_psql)"
[[ -n "$psql" ]] || die "psql not found (under /usr/lib/postgresql/*/bin or on PATH)"

work="$(mktemp -d "${TMPDIR:-/tmp}/schema-bench.XXXXXX")"
log "running the benchmarks (work folder $work)"
status=0
"$target/release/schema-bench" \
    --database-url "$DATABASE_URL" \
    --cli "$target/release/schema-cli" \
    --node "$(command -v node)" \
    --node-dir "$node_dir" \
    --psql "$psql" \
    --work "$work" \
    --compile-target "$target/bench-compile" \
    --out "$repo_root/BENCHMARKS.md" \
    --command "scripts/bench.sh$(quote_args "$@")" \
    "$@" || status=$?
elapsed=$((SECONDS - bench_started))
log "scripts/bench.sh took $((elapsed / 60)) min $((elapsed % 60)) s (exit $status)"
exit "$status"
