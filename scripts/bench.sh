#!/usr/bin/env bash
# scripts/bench.sh — the benchmark command: schema-cli against drizzle-kit,
# the macro's compile cost, and the in-process criterion benchmarks (stages
# of generate and pull, query building; the runner starts `cargo bench`,
# which honours CARGO_TARGET_DIR); results go into BENCHMARKS.md (between its
# marker lines). Not part of scripts/test.sh.
#
# Contract: on a fresh Debian machine with the Rust toolchain, as root,
# installs what is missing with apt (`time` for /usr/bin/time, `nodejs` and
# `npm`, `postgresql`), installs drizzle-kit, drizzle-orm and pg at the
# pinned versions below with npm into $SCHEMA_BENCH_CACHE/node (default
# ~/.cache/schema-bench/node, outside the source tree), builds schema-cli
# and the runner (benchmarks/schema-bench) in release mode, starts a
# throwaway PostgreSQL cluster (scripts/pg-cluster.sh, as scripts/test.sh
# does, with pg_stat_statements loaded for the push rows' server time;
# DATABASE_URL set = use that server instead), runs the runner, and
# always stops the cluster and removes its work folder. Extra arguments go
# to the runner, e.g. `--sizes 10,100 --ours-sizes 1000 --only whole`
# (`--help` lists them). Exit status: the runner's, or 1 when setup fails.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

DRIZZLE_KIT_VERSION=0.31.11
DRIZZLE_ORM_VERSION=0.45.4
PG_VERSION=8.23.1

log() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=scripts/pg-cluster.sh
source "$repo_root/scripts/pg-cluster.sh"

bench_started=$SECONDS
work=""
on_cleanup() {
    if [[ -n "$work" ]]; then rm -rf "$work"; fi
}

apt_install() { # package names
    [[ "$(id -u)" -eq 0 ]] || die "missing: $*; install these Debian packages as root"
    log "installing $* (apt-get)"
    local status=0
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; } || status=$?
    [[ "$status" -eq 0 ]] || die "apt-get failed to install $* (exit $status)"
}

command -v cargo >/dev/null 2>&1 || die "cargo is missing: install the Rust toolchain (rustup)"
[[ -x /usr/bin/time ]] || apt_install time
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
fi

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

target="${CARGO_TARGET_DIR:-$repo_root/target}"
log "cargo build --release -p schema-cli -p schema-bench"
cargo build --release -p schema-cli -p schema-bench

if [[ -n "${DATABASE_URL:-}" ]]; then
    log "using the PostgreSQL server in DATABASE_URL"
    pg_bin="$(find_pg_bindir)"
    if [[ -z "$pg_bin" ]]; then
        install_postgresql
        pg_bin="$(find_pg_bindir)"
    fi
else
    PG_CLUSTER_TLS=0
    # One transaction creating 10,000 tables (push) holds ~5 locks per table.
    # pg_stat_statements: the push rows' server time (a 10,000-table push is ~28,000
    # statements, each its own entry).
    PG_CLUSTER_OPTIONS="-c max_locks_per_transaction=1024 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=50000"
    start_cluster
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/schema-bench.XXXXXX")"
log "running the benchmarks (work folder $work)"
status=0
"$target/release/schema-bench" \
    --database-url "$DATABASE_URL" \
    --cli "$target/release/schema-cli" \
    --node "$(command -v node)" \
    --node-dir "$node_dir" \
    --psql "$pg_bin/psql" \
    --work "$work" \
    --compile-target "$target/bench-compile" \
    --out "$repo_root/BENCHMARKS.md" \
    --command "scripts/bench.sh${*:+ $*}" \
    "$@" || status=$?
elapsed=$((SECONDS - bench_started))
log "scripts/bench.sh took $((elapsed / 60)) min $((elapsed % 60)) s (exit $status)"
exit "$status"
