#!/usr/bin/env bash
# Runs a command without the two warnings Dawn's native code prints on stderr while it requests an adapter:
#   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
#   Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
# They only say that Dawn caps two limits this library does not use. Exactly those lines are dropped;
# everything else on stderr passes through, stdout is untouched, and the command's exit status is kept.
set -uo pipefail
dawn_warning='^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from [0-9]+ to [0-9]+ to fit dynamic offset allocation limit\.$'
# The command's stderr goes through the filter, its stdout straight to ours (fd 3).
{ "$@" 2>&1 1>&3 3>&- | grep --line-buffered -v -E "$dawn_warning" >&2; } 3>&1
exit "${PIPESTATUS[0]}"
