#!/bin/bash
# images/build-initramfs --config FILE checks FILE with `vigil --check-config` before it
# builds anything, and the image it builds has /run (for control.socket_path=/run/...).
# No VM is started.
#
#   tests/images/config_check_test.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
build=$T_DIR/../../images/build-initramfs
[[ -n ${VIGIL_BIN:-} && -x $VIGIL_BIN ]] || skip_all "VIGIL_BIN is not set to a built vigil"
command -v cpio >/dev/null || skip_all "no cpio"

bad=$T_WORK/bad.toml
printf '[control]\nmax_connections = -3\n' >"$bad"
if out=$("$build" --config "$bad" --out "$T_WORK/bad-out" 2>&1); then
  fail "a bad config was built into an image"
elif [[ $out == *"$bad:2:19: control.max_connections: expected an integer"* ]]; then
  pass "a bad config stops the build with vigil's message"
else
  fail "a bad config stopped the build without vigil's message: $out"
fi
if [[ -e $T_WORK/bad-out/initramfs.cpio.gz ]]; then fail "an image was written for the bad config"; fi

good=$T_WORK/good.toml
printf '[control]\nsocket_path = "/run/vigil.sock"\n' >"$good"
if out=$("$build" --config "$good" --out "$T_WORK/good-out" 2>&1); then
  pass "a good config builds"
  listing=$(zcat "$T_WORK/good-out/initramfs.cpio.gz" | cpio -t 2>/dev/null)
  if grep -qx 'run' <<<"$listing"; then pass "the image has /run"; else fail "the image has no /run"; fi
  if grep -qx 'etc/vigil.toml' <<<"$listing"; then pass "the config is in the image"; else fail "no etc/vigil.toml"; fi
else
  fail "a good config did not build: $out"
fi
finish
