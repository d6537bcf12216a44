#!/bin/bash
# Container test: builds the FROM-scratch image (images/build-container) and runs it on a
# private network of its own (10.89.77.0/24, internal: no way out), then:
#   - vigil, the container's PID 1, runs as usual (no boot steps, no power-off) and logs
#     that it started;
#   - `l` on 10.89.77.2:2323 answers `ok: *:info` (skipped when this build of vigil has no
#     control port, found by running it on the host first);
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
net=vigil-test-$$
if ! CONTAINER_ENGINE=${engine[0]} "$VIGIL_ROOT/images/build-container" --tag "$tag" \
  >"$T_WORK/build.log" 2>&1; then
  cat "$T_WORK/build.log"
  fail "images/build-container"
  finish
fi
pass "images/build-container built $tag with ${engine[0]}"

container_cleanup() {
  "${engine[@]}" rm -f "$name" >/dev/null 2>&1 || true
  "${engine[@]}" network rm "$net" >/dev/null 2>&1 || true
  t_cleanup
}
trap container_cleanup EXIT

"${engine[@]}" network create --internal --subnet 10.89.77.0/24 "$net" >/dev/null 2>&1 ||
  skip_all "${engine[0]} cannot create a network here"
if ! "${engine[@]}" run -d --name "$name" --network "$net" --ip 10.89.77.2 "${run_opts[@]}" \
  "$tag" --set control.listen=0.0.0.0:2323 --set memtrace.listen= \
  >"$T_WORK/run.log" 2>&1; then
  cat "$T_WORK/run.log"
  fail "${engine[0]} run"
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
  reply=$(control 10.89.77.2 2323 l)
  if [[ $reply == "ok: *:info" ]]; then
    pass "'l' on 10.89.77.2:2323 answers 'ok: *:info'"
  else
    fail "'l' on 10.89.77.2:2323 answered '$reply'"
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
