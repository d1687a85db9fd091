#!/usr/bin/env bash
# Makes DIR a Docker build context whose images need no registry: the project's files (as git
# sees them: tracked and untracked, not ignored) plus .docker-artifacts/, prepared here on the host:
#   server/  bin/pulse-server.js, bin/pulse-healthcheck.js, dist/apps/server and a production-only
#            node_modules
#   client/  bin/pulse-client.js, dist/apps/client and a production-only node_modules
#   dev/     the sources, build configuration and the host's full node_modules
# The Dockerfiles' *-from-host targets copy these onto the same stages that ship (runtime, dev-base).
#
#   scripts/docker-host-artifacts.sh DIR [server] [client] [dev]   (default: all three)
#   docker build -f DIR/docker/server.Dockerfile --target runtime-from-host DIR
# A build sends the whole context to the engine, so the tests make the dev context (~300 MB of
# node_modules) apart from the runtime one.
#
# Runs `npm run build` first; the production node_modules is installed from the lockfile by the
# host's npm (its cache makes that quick after the first time).
set -euo pipefail
out=${1:?usage: $0 DIR [server] [client] [dev]}
shift
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(server client dev)
wants() { [[ " ${parts[*]} " == *" $1 "* ]]; }
cd "$(dirname "$0")/.."
[ -d node_modules ] || { echo "docker-host-artifacts: run npm install first" >&2; exit 1; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/.docker-artifacts"

# The project's files, as a build from this checkout would see them.
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
  tar --null -T - -cf - | tar -C "$out" -xf -

npm run --silent build >/dev/null

artifacts="$out/.docker-artifacts"
production="$artifacts/production"
if wants server || wants client; then
  mkdir -p "$production"
  cp package.json package-lock.json "$production/"
  (cd "$production" && npm install --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
fi

for app in server client; do
  wants "$app" || continue
  mkdir -p "$artifacts/$app/bin" "$artifacts/$app/dist/apps"
  cp -a "bin/pulse-$app.js" "$artifacts/$app/bin/"
  if [ "$app" = server ]; then cp -a bin/pulse-healthcheck.js "$artifacts/$app/bin/"; fi
  cp -a "dist/apps/$app" "$artifacts/$app/dist/apps/"
  # Hard links: the two images get the same files without a second copy on disk.
  cp -al "$production/node_modules" "$artifacts/$app/node_modules"
done
rm -rf "$production"

if wants dev; then
  mkdir -p "$artifacts/dev"
  cp -a package-lock.json tsconfig.json nest-cli.json rspack.config.js bin apps libs "$artifacts/dev/"
  cp -al node_modules/. "$artifacts/dev/node_modules" 2>/dev/null ||
    { rm -rf "$artifacts/dev/node_modules" && cp -a node_modules/. "$artifacts/dev/node_modules"; }
fi
echo "docker-host-artifacts: $out is a build context (${parts[*]}: $(du -sh "$artifacts" | cut -f1))"
