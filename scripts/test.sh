#!/usr/bin/env bash
# scripts/test.sh — the project's single test command.
#
# Contract: runs `cargo fmt --check`, `cargo clippy --workspace --all-targets
# -- -D warnings` and `cargo test --workspace --no-fail-fast "$@"` against a real PostgreSQL
# server. If DATABASE_URL is set, that server is used as is. Otherwise the
# script installs the Debian `postgresql` package when no server binaries are
# found (needs root), starts a throwaway cluster (trust auth, 127.0.0.1 only,
# free port, socket in a temp dir), exports DATABASE_URL for the tests, and
# always stops the cluster and deletes its directory on exit. The exit status
# is that of the first failing step.
#
# The throwaway cluster also serves TLS (plain connections keep working): a
# throwaway CA and a server certificate it signed for `localhost` only (not
# 127.0.0.1, so host-name verification can be seen failing) are made with
# openssl (installed with apt when missing) in the cluster's directory, and
# SCHEMA_TEST_SSLROOTCERT is exported with the CA certificate's path. With a
# DATABASE_URL of your own, SCHEMA_TEST_SSLROOTCERT is left as you set it: the
# TLS tests need it, and fail without it when CI is set.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# log, die, apt_install, start_cluster and the EXIT trap that stops the cluster.
# shellcheck source=scripts/pg-cluster.sh
source "$repo_root/scripts/pg-cluster.sh"

ensure_cargo_component() { # $1 = cargo subcommand, $2 = rustup component
    cargo "$1" --version >/dev/null 2>&1 && return 0
    command -v rustup >/dev/null 2>&1 || die "cargo $1 is missing and rustup is not available"
    log "installing rustup component $2"
    rustup component add "$2"
}

ensure_cargo_component fmt rustfmt
ensure_cargo_component clippy clippy

if [[ -n "${DATABASE_URL:-}" ]]; then
    log "using the PostgreSQL server in DATABASE_URL"
    if [[ -z "${SCHEMA_TEST_SSLROOTCERT:-}" ]]; then
        log "SCHEMA_TEST_SSLROOTCERT is not set: the TLS tests note it and pass, or fail when CI is set"
    fi
else
    start_cluster
fi

log "cargo fmt --check"
cargo fmt --all --check
log "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
log "cargo test --workspace --no-fail-fast$(quote_args "$@")"
cargo test --workspace --no-fail-fast "$@"
log "all checks passed"
