#!/usr/bin/env bash
# Runs a command with a Vulkan driver chosen for Dawn: an explicit VK_ICD_FILENAMES wins; on a machine
# without a GPU render node, Mesa lavapipe (software, ~15x faster than SwiftShader), else SwiftShader.
set -euo pipefail
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/webgpu-rnn-xdg}"
mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
if [[ -z "${VK_ICD_FILENAMES:-}" ]] && ! ls /dev/dri/renderD* >/dev/null 2>&1; then
  icd=$(ls /usr/share/vulkan/icd.d/lvp_icd*.json 2>/dev/null | head -n1 || true)
  [[ -z "$icd" && -f /usr/lib/chromium/vk_swiftshader_icd.json ]] && icd=/usr/lib/chromium/vk_swiftshader_icd.json
  if [[ -n "$icd" ]]; then export VK_ICD_FILENAMES="$icd"; fi
fi
exec "$@"
