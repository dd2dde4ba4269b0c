# shellcheck shell=bash
# scripts/pg-cluster.sh — a throwaway PostgreSQL cluster and apt installs,
# sourced by scripts/test.sh and scripts/bench.sh (not run on its own).
#
# Contract: defines, for itself and its sourcer, `log` (a `==> ` line on
# stdout), `die` (an `error: ` line on stderr, exit 1), `quote_args` and
# `apt_install PACKAGE…`, which installs Debian packages as root (one
# `apt-get update` per run, no services started, the versions logged).
# `start_cluster` installs the Debian `postgresql` package when no server
# binaries are found under /usr/lib/postgresql/*/bin (needs root), starts a
# cluster (trust auth, 127.0.0.1 only, a free port, the socket in a temp
# dir, fsync off) and exports DATABASE_URL; `pg_bin` is then the server's
# bin directory. `cleanup` (installed as the EXIT trap here) stops the
# cluster and deletes its directory, then exits with the script's status
# (after calling `on_cleanup` when the caller defines that function). The
# caller sets `set -euo pipefail`.
#
# With PG_CLUSTER_TLS=1 (the default) the cluster also serves TLS: a
# throwaway CA and a server certificate it signed for `localhost` only (not
# 127.0.0.1, so host-name verification can be seen failing) are made with
# openssl (installed with apt when missing) in the cluster's directory, and
# SCHEMA_TEST_SSLROOTCERT is exported with the CA certificate's path.
# PG_CLUSTER_TLS=0 starts a plain cluster and needs no openssl.
# PG_CLUSTER_OPTIONS adds server options (`-c name=value …`).

log() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# Prints its arguments shell-quoted (`printf %q`), each after a space;
# nothing for none. For logging and recording command lines.
# Each argument after a space, as the shell reads it back: as written when it
# holds no character the shell treats specially, else in single quotes.
quote_args() {
    local arg
    for arg in "$@"; do
        if [[ "$arg" =~ ^[A-Za-z0-9_./,:=@%+-]+$ ]]; then
            printf ' %s' "$arg"
        else
            printf " '%s'" "${arg//\'/\'\\\'\'}"
        fi
    done
}

# Installs the named Debian packages with apt-get, without recommends. Needs
# root (dies naming the packages otherwise). The first call in a run fetches
# the package lists (`apt-get update`), later calls reuse them. Services the
# packages would start are not started (a policy-rc.d is added for the
# install when there is none, then removed): the postgresql package would
# otherwise start its default cluster on port 5432. apt's output goes to a
# temp file, shown when apt fails; the versions installed are logged.
apt_updated=0
added_policy=""
apt_install() { # package names
    [[ "$#" -gt 0 ]] || return 0
    [[ "$(id -u)" -eq 0 ]] || die "missing: $*; install these Debian packages as root"
    local apt_log status=0
    apt_log="$(mktemp "${TMPDIR:-/tmp}/schema-apt.XXXXXX")"
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        added_policy=/usr/sbin/policy-rc.d
    fi
    if [[ "$apt_updated" -eq 0 ]]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -q >"$apt_log" 2>&1 || status=$?
        [[ "$status" -ne 0 ]] || apt_updated=1
    fi
    if [[ "$status" -eq 0 ]]; then
        log "apt-get install $*"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$apt_log" 2>&1 \
            || status=$?
    fi
    if [[ -n "$added_policy" ]]; then rm -f "$added_policy"; added_policy=""; fi
    if [[ "$status" -ne 0 ]]; then
        tail -n 30 "$apt_log" >&2
        rm -f "$apt_log"
        die "apt-get failed to install $* (exit $status)"
    fi
    rm -f "$apt_log"
    log "installed: $(dpkg-query -W -f='${Package} ${Version}, ' "$@" | sed 's/, $//')"
}

# Prints the bin directory of the highest installed PostgreSQL server, if any.
find_pg_bindir() {
    local dir latest
    latest="$(for dir in /usr/lib/postgresql/*/bin; do
        [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]] || continue
        dir="${dir#/usr/lib/postgresql/}"
        printf '%s\n' "${dir%/bin}"
    done | sort -V | tail -n 1)"
    if [[ -n "$latest" ]]; then printf '/usr/lib/postgresql/%s/bin\n' "$latest"; fi
}

install_postgresql() {
    [[ "$(id -u)" -eq 0 ]] \
        || die "no PostgreSQL server under /usr/lib/postgresql/*/bin; install the 'postgresql' package as root, or set DATABASE_URL"
    apt_install postgresql
}

install_openssl() {
    [[ "$(id -u)" -eq 0 ]] \
        || die "openssl is missing (needed for the test cluster's TLS certificates); install the 'openssl' package as root, or set DATABASE_URL"
    apt_install openssl
}

# Makes a throwaway CA and a server certificate it signed, valid for the DNS
# name `localhost` only (CN and subjectAltName; deliberately not 127.0.0.1),
# in the cluster directory: ca.crt, server.crt and server.key (mode 0600), all
# owned by the cluster owner. The CA's key is deleted once it has signed.
make_tls_files() {
    command -v openssl >/dev/null 2>&1 || install_openssl
    command -v openssl >/dev/null 2>&1 || die "openssl installed, but not found on PATH"
    log "making a throwaway CA and a server certificate for localhost (openssl)"
    printf '%s\n' 'basicConstraints = critical, CA:FALSE' 'keyUsage = critical, digitalSignature' \
        'extendedKeyUsage = serverAuth' 'subjectAltName = DNS:localhost' >"$pg_tmp/server.ext"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    if ! { openssl req -x509 "${ec[@]}" -keyout "$pg_tmp/ca.key" -out "$pg_tmp/ca.crt" -days 2 \
            -subj '/CN=schema-tests throwaway CA' \
            -addext 'basicConstraints = critical, CA:TRUE' -addext 'keyUsage = critical, keyCertSign, cRLSign' \
        && openssl req -new "${ec[@]}" -keyout "$pg_tmp/server.key" -out "$pg_tmp/server.csr" -subj '/CN=localhost' \
        && openssl x509 -req -in "$pg_tmp/server.csr" -CA "$pg_tmp/ca.crt" -CAkey "$pg_tmp/ca.key" \
            -set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$pg_tmp/server.ext" -out "$pg_tmp/server.crt"; \
        } >"$pg_tmp/openssl.log" 2>&1; then
        cat "$pg_tmp/openssl.log" >&2
        die "openssl failed to make the test certificates"
    fi
    rm -f "$pg_tmp/ca.key" "$pg_tmp/server.csr" "$pg_tmp/server.ext"
    chmod 0600 "$pg_tmp/server.key"
    chmod 0644 "$pg_tmp/ca.crt" "$pg_tmp/server.crt"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown postgres: "$pg_tmp/ca.crt" "$pg_tmp/server.crt" "$pg_tmp/server.key"
    fi
}

# Runs a command as the cluster owner: `postgres` when we are root (initdb and
# postgres refuse to run as root), the current user otherwise. Runs from the
# cluster directory so the postgres user never needs access to the cwd.
as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        (cd "$pg_tmp" && runuser -u postgres -- "$@")
    else
        (cd "$pg_tmp" && "$@")
    fi
}

# Prints a local TCP port that nothing is listening on. Asks the kernel via
# python3 when available, else probes random ports in 54000-59999. A race with
# another process is handled by retrying the server start.
pick_port() {
    local port
    if command -v python3 >/dev/null 2>&1 \
        && port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null)"; then
        printf '%s\n' "$port"
        return 0
    fi
    local _
    for _ in $(seq 1 100); do
        port=$((54000 + RANDOM % 6000))
        # A successful connect means the port is taken.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    die "could not find a free local port"
}

pg_tmp=""
pg_bin=""
cleanup() {
    local status=$?
    set +e
    # A caller's own clean-up, when it defines one.
    if declare -F on_cleanup >/dev/null; then on_cleanup; fi
    if [[ -n "$added_policy" ]]; then rm -f "$added_policy"; fi
    if [[ -n "$pg_tmp" ]]; then
        local pid=""
        if [[ -f "$pg_tmp/data/postmaster.pid" ]]; then
            pid="$(head -n 1 "$pg_tmp/data/postmaster.pid" 2>/dev/null)"
            log "stopping PostgreSQL"
            if ! as_owner "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m immediate -w -t 30 stop >/dev/null 2>&1; then
                [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null
            fi
            # Wait (bounded) until the postmaster is gone, not just its pid file.
            local _
            for _ in $(seq 1 50); do
                if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then break; fi
                sleep 0.1
            done
        fi
        rm -rf "$pg_tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_cluster() {
    pg_bin="$(find_pg_bindir)"
    if [[ -z "$pg_bin" ]]; then
        install_postgresql
        pg_bin="$(find_pg_bindir)"
        [[ -n "$pg_bin" ]] || die "postgresql installed, but no server found under /usr/lib/postgresql/*/bin"
    fi
    local version="${pg_bin#/usr/lib/postgresql/}"
    version="${version%/bin}"

    if [[ "$(id -u)" -eq 0 ]]; then
        id -u postgres >/dev/null 2>&1 \
            || die "the 'postgres' system user does not exist (it comes with the postgresql package)"
        pg_tmp="$(mktemp -d /tmp/schema-pg.XXXXXX)"
        chown postgres: "$pg_tmp"
    else
        pg_tmp="$(mktemp -d "${TMPDIR:-/tmp}/schema-pg.XXXXXX")"
    fi

    if ! as_owner "$pg_bin/initdb" -D "$pg_tmp/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        >"$pg_tmp/initdb.log" 2>&1; then
        cat "$pg_tmp/initdb.log" >&2
        die "initdb failed"
    fi
    # Trust, but only over the socket in the temp dir and 127.0.0.1; one role
    # (created by the CLI tests) must give its password, so a wrong password
    # can be tested.
    printf 'local all all trust\nhost all schema_cli_password_test 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n' \
        >"$pg_tmp/data/pg_hba.conf"
    # `host` lines accept TLS and plain connections alike.
    local tls_options=""
    if [[ "${PG_CLUSTER_TLS:-1}" == 1 ]]; then
        make_tls_files
        tls_options=" -c ssl=on -c ssl_cert_file=$pg_tmp/server.crt -c ssl_key_file=$pg_tmp/server.key"
    fi

    local attempt port
    for attempt in 1 2 3 4 5; do
        port="$(pick_port)"
        log "starting PostgreSQL $version on port $port"
        if as_owner "$pg_bin/pg_ctl" -D "$pg_tmp/data" -l "$pg_tmp/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$pg_tmp -c max_connections=200 -c fsync=off -c full_page_writes=off -c synchronous_commit=off$tls_options${PG_CLUSTER_OPTIONS:+ $PG_CLUSTER_OPTIONS}" \
            start >"$pg_tmp/pg_ctl.log" 2>&1; then
            break
        fi
        # Only a lost race for the port is worth another try.
        if [[ "$attempt" -lt 5 && ! -f "$pg_tmp/data/postmaster.pid" ]] \
            && grep -q 'could not bind\|could not create any TCP/IP sockets' "$pg_tmp/server.log" 2>/dev/null; then
            log "port $port is taken, retrying"
            continue
        fi
        { printf -- '--- pg_ctl output ---\n'; cat "$pg_tmp/pg_ctl.log"
          printf -- '--- server log ---\n'; cat "$pg_tmp/server.log"; } >&2 2>/dev/null || true
        die "PostgreSQL $version did not start on port $port"
    done

    # pg_ctl -w waited for startup; confirm the TCP listener answers.
    local waited=0
    until "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; do
        if [[ "$waited" -ge 30 ]]; then
            cat "$pg_tmp/server.log" >&2 2>/dev/null || true
            die "PostgreSQL is not accepting connections on 127.0.0.1:$port after ${waited}s"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
    if [[ "${PG_CLUSTER_TLS:-1}" == 1 ]]; then
        export SCHEMA_TEST_SSLROOTCERT="$pg_tmp/ca.crt"
    fi
}
