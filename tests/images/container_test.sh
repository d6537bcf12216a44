#!/bin/bash
# Container test: builds the FROM-scratch image (images/build-container) and runs it in a
# network namespace that the test makes itself (as netns_test.sh does): its only link is one
# end of a veth pair, 10.201.7.2/24, and the host end is 10.201.7.1/24. The engine's own
# network backend is not used, so no route depends on it. Then:
#   - vigil, the container's PID 1, runs as usual (no boot steps, no power-off) and logs
#     that it started;
#   - `l` on 10.201.7.2:2323 answers `ok: *:info` (skipped when this build of vigil has no
#     control port, found by running it on the host first), after `ip route get` showed
#     that the address is reached through the test's own veth;
#   - `podman stop` (SIGTERM) ends it gracefully: exit code 0.
# Uses podman with runc and lowered ulimits (crun and the default ulimits fail under some
# cgroup setups), or docker when a docker daemon answers. Skips, saying why, when neither
# works.
#
#   tests/images/container_test.sh   (env: VIGIL_BIN, VIGIL_BUILD, CONTAINER_ENGINE)
set -euo pipefail
source "$(dirname "$0")/common.sh"

vigil=$(find_vigil)
engine=${CONTAINER_ENGINE:-}
run_opts=()
if [[ -z $engine ]] && command -v podman >/dev/null && podman info >/dev/null 2>&1; then
  engine=podman
elif [[ -z $engine ]] && command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  engine=docker
fi
[[ -n $engine ]] || skip_all "no working container engine (podman info and docker info both fail)"
if [[ $engine == podman ]]; then
  engine=(podman --runtime runc)
  run_opts=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
else
  engine=(docker)
fi

tag=localhost/vigil:test
name=vigil-test-$$
ns=vigil-c$$
veth_host=vch$$
make_netns_veth "$ns" "$veth_host" vcn$$
container_cleanup() {
  "${engine[@]}" rm -f "$name" >/dev/null 2>&1 || true
  t_cleanup
}
trap container_cleanup EXIT
ip addr add 10.201.7.1/24 dev "$veth_host"
ip -n "$ns" addr add 10.201.7.2/24 dev vcn$$
require_route 10.201.7.2 "$veth_host"

if ! CONTAINER_ENGINE=${engine[0]} "$VIGIL_ROOT/images/build-container" --tag "$tag" \
  >"$T_WORK/build.log" 2>&1; then
  cat "$T_WORK/build.log"
  fail "images/build-container"
  finish
fi
pass "images/build-container built $tag with ${engine[0]}"

if ! "${engine[@]}" run -d --name "$name" --network "ns:/run/netns/$ns" "${run_opts[@]}" \
  "$tag" --set control.listen=0.0.0.0:2323 --set memtrace.listen= \
  --set control.allow=10.201.7.1/32 >"$T_WORK/run.log" 2>&1; then
  cat "$T_WORK/run.log"
  fail "${engine[0]} run --network ns:/run/netns/$ns"
  finish
fi

eval "$(probe_features "$vigil")"
if [[ $("${engine[@]}" inspect --format '{{.State.Running}}' "$name") == true ]] &&
  "${engine[@]}" logs "$name" 2>&1 | grep -q 'vigil started'; then
  pass "vigil runs as the container's PID 1 and logged its start"
else
  fail "the container is not running: $("${engine[@]}" logs "$name" 2>&1 | tail -5)"
fi

if ((HAVE_CONTROL)); then
  reply=""
  for _ in $(seq 30); do
    reply=$(control 10.201.7.2 2323 l)
    [[ -n $reply ]] && break
    sleep 0.2
  done
  if [[ $reply == "ok: *:info" ]]; then
    pass "'l' on 10.201.7.2:2323 answers 'ok: *:info'"
  else
    fail "'l' on 10.201.7.2:2323 answered '$reply'"
  fi
else
  skip "control port: this build of vigil does not serve it (no answer on the host either)"
fi

"${engine[@]}" stop -t 10 "$name" >/dev/null 2>&1 || true
code=$("${engine[@]}" inspect --format '{{.State.ExitCode}}' "$name")
if [[ $code == 0 ]]; then
  pass "SIGTERM (${engine[0]} stop) ends vigil with exit code 0"
else
  fail "after ${engine[0]} stop, exit code $code"
  "${engine[@]}" logs "$name" 2>&1 | tail -20
fi
finish
